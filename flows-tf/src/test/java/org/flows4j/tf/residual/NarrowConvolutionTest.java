package org.flows4j.tf.residual;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.flows4j.tf.HostTensors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * {@link NarrowConvolution}'s two-part form against TensorFlow's {@code Conv2D} in float64, in both directions
 * (few outputs, few inputs) and for 3×3 and 5×5 kernels: the same values, and the same gradients for the input and
 * the kernel, to 1e-12 (only the order of the sums differs).
 */
class NarrowConvolutionTest {
  private static final List<Long> STRIDES = List.of(1L, 1L, 1L, 1L);

  private record Case(int kernel, int in, int out, int height, int width) {}

  @Test
  void theTwoPartFormIsTheConvolutionWithItsGradients() {
    for (Case c : List.of(new Case(3, 1, 12, 5, 4), new Case(3, 12, 1, 5, 4), new Case(3, 2, 20, 4, 4),
        new Case(3, 20, 2, 4, 4), new Case(5, 1, 30, 6, 5), new Case(5, 30, 2, 6, 5))) {
      try (Graph graph = new Graph()) {
        Ops tf = Ops.create(graph);
        Operand<TFloat64> x = normal(tf, 1, 2, c.height(), c.width(), c.in());
        Operand<TFloat64> kernel = normal(tf, 2, c.kernel(), c.kernel(), c.in(), c.out());
        Operand<TFloat64> dy = normal(tf, 3, 2, c.height(), c.width(), c.out());
        Operand<TFloat64> reference = tf.nn.conv2d(x, kernel, STRIDES, "SAME");
        Operand<TFloat64> twoPart = NarrowConvolution.apply(tf, LinearKernels.STANDARD, x, kernel, c.kernel(),
            c.in(), c.out(), c.height(), c.width());
        Output<?>[] referenceGradients = graph.addGradients(objective(tf, reference, dy).asOutput(),
            new Output<?>[] {x.asOutput(), kernel.asOutput()});
        Output<?>[] twoPartGradients = graph.addGradients(objective(tf, twoPart, dy).asOutput(),
            new Output<?>[] {x.asOutput(), kernel.asOutput()});
        try (Session session = new Session(graph);
            Result r = session.runner().fetch(reference).fetch(twoPart).fetch(referenceGradients[0])
                .fetch(twoPartGradients[0]).fetch(referenceGradients[1]).fetch(twoPartGradients[1]).run()) {
          for (int i = 0; i < 6; i += 2) {
            double[] expected = HostTensors.toDoubles(r.get(i));
            double[] actual = HostTensors.toDoubles(r.get(i + 1));
            String what = c + " " + List.of("value", "input gradient", "kernel gradient").get(i / 2);
            assertCloseToScale(what, actual, expected, 1e-12);
          }
        }
      }
    }
  }

  /**
   * The form the log-det series' loop runs in float32: the kernel {@linkplain NarrowConvolution#arrange arranged}
   * once, then {@link NarrowConvolution#applyArranged} on oneDNN's kernels, against TensorFlow's {@code Conv2D}, to
   * 1e-5 of the largest value, for 3×3 and 5×5 kernels in both directions.
   */
  @Test
  void theArrangedTwoPartFormOnOneDnnIsTheConvolution() {
    LinearKernels oneDnn = LinearKernels.forLoopBody(TFloat32.class);
    Assumptions.assumeTrue(oneDnn == LinearKernels.ONE_DNN, "this TensorFlow build has no oneDNN ops");
    for (Case c : List.of(new Case(3, 1, 12, 5, 4), new Case(3, 12, 1, 5, 4), new Case(3, 2, 20, 4, 4),
        new Case(3, 20, 2, 4, 4), new Case(5, 1, 30, 6, 5), new Case(5, 30, 2, 6, 5))) {
      try (Graph graph = new Graph()) {
        Ops tf = Ops.create(graph);
        Operand<TFloat32> x = tf.dtypes.cast(normal(tf, 1, 2, c.height(), c.width(), c.in()), TFloat32.class);
        Operand<TFloat32> kernel =
            tf.dtypes.cast(normal(tf, 2, c.kernel(), c.kernel(), c.in(), c.out()), TFloat32.class);
        Operand<TFloat32> reference = tf.nn.conv2d(x, kernel, STRIDES, "SAME");
        Operand<TFloat32> twoPart = NarrowConvolution.applyArranged(tf, oneDnn, x,
            NarrowConvolution.arrange(tf, kernel, c.kernel(), c.in(), c.out()), c.kernel(), c.in(), c.out(),
            c.height(), c.width());
        try (Session session = new Session(graph);
            Result r = session.runner().fetch(reference).fetch(twoPart).run()) {
          assertCloseToScale(c.toString(), HostTensors.toDoubles(r.get(1)), HostTensors.toDoubles(r.get(0)), 1e-5);
        }
      }
    }
  }

  @Test
  void theTwoPartFormIsUsedWhenTheNarrowSidesCopiesFitInTheWideSide() {
    assertThat(NarrowConvolution.suits(3, 1, 512)).isTrue();
    assertThat(NarrowConvolution.suits(3, 512, 16)).isTrue();
    assertThat(NarrowConvolution.suits(3, 4, 128)).isTrue();
    assertThat(NarrowConvolution.suits(3, 9, 81)).isTrue();
    assertThat(NarrowConvolution.suits(3, 16, 128)).as("144 > 128").isFalse();
    assertThat(NarrowConvolution.suits(3, 128, 128)).isFalse();
    assertThat(NarrowConvolution.suits(5, 1, 24)).as("25 > 24").isFalse();
  }

  /**
   * Same size as expected, expected not all zero (largest |value| above 0.1), and every value within {@code
   * tolerance} times that largest |value|.
   */
  private static void assertCloseToScale(String what, double[] actual, double[] expected, double tolerance) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    double scale = 0;
    for (double e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    assertThat(scale).as(what + ": not all zero").isGreaterThan(0.1);
    for (int j = 0; j < expected.length; j++) {
      assertThat(actual[j]).as(what + " at " + j).isCloseTo(expected[j],
          org.assertj.core.data.Offset.offset(tolerance * scale));
    }
  }

  private static Operand<TFloat64> objective(Ops tf, Operand<TFloat64> y, Operand<TFloat64> dy) {
    return tf.reduceSum(tf.math.mul(y, dy), tf.constant(new int[] {0, 1, 2, 3}));
  }

  private static Operand<TFloat64> normal(Ops tf, long stream, long... dims) {
    return tf.random.statelessRandomNormal(tf.constant(dims), tf.constant(new long[] {17, stream}), TFloat64.class);
  }
}
