package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.AutoregressiveOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * The inverse of MAF with pixelCnn conditioners at image sizes, in both float types: two steps ({@code natural()}
 * then {@code reversed()}, 3 layers of width 16 and {@code k×k} kernels, k = 3 or 5; the cached inverse solves a
 * wavefront of pixels per iteration, each from its neighbourhoods in the cached layers), on square and oblong
 * images, weights moved off their zero-initialised start, a batch of 4 random images. The round
 * trip {@code x → z → x'} must come back within 1e-10 (float64) or 1e-5 (float32), and the inverse log-det must be
 * minus the forward one within 1e-9 or 1e-4. Measured: round trip 9e-16 (float64) and 5e-7 (float32), log-det
 * 7e-15 and 4e-6 (the printed lines also give the inverse's time).
 */
class PixelCnnInverseTest {
  private static final int BATCH = 4;

  @ParameterizedTest(name = "{0}x{1}x{2} k={3} {4}")
  @CsvSource({"8, 8, 2, 3, float64", "8, 8, 2, 3, float32", "14, 14, 1, 3, float64", "14, 14, 1, 3, float32",
      "6, 11, 3, 5, float64", "9, 4, 1, 3, float64"})
  void roundTripIsExactAtImageSizes(int height, int width, int channels, int kernel, String precision) {
    Shape shape = Shape.of(height, width, channels);
    FlowSpec spec = Flows.sequential(shape)
        .steps(1, step -> step.maf(Conditioners.pixelCnn(16).layers(3).kernelSize(kernel))
            .maf(AutoregressiveOrder.reversed(), Conditioners.pixelCnn(16).layers(3).kernelSize(kernel)))
        .build();
    boolean float64 = precision.equals("float64");
    double[] errors = float64 ? roundTrip(TFloat64.class, spec, shape) : roundTrip(TFloat32.class, spec, shape);
    System.out.printf("pixelCnn maf inverse %s %s: round trip %.2e, log-det cancellation %.2e, inverse %.0f ms "
        + "for %d images%n", shape, precision, errors[0], errors[1], errors[2], BATCH);
    assertThat(errors[0]).as("round trip").isLessThanOrEqualTo(float64 ? 1e-10 : 1e-5);
    assertThat(errors[1]).as("forward + inverse log-det").isLessThanOrEqualTo(float64 ? 1e-9 : 1e-4);
  }

  /** Round-trip error, log-det cancellation error and the inverse's wall time in milliseconds (one run). */
  private static <T extends TFloating> double[] roundTrip(Class<T> type, FlowSpec spec, Shape shape) {
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<T> flow = FlowCompiler.compile(g.tf, spec, type, 5);
      long[] dims = {BATCH, shape.dim(0), shape.dim(1), shape.dim(2)};
      Placeholder<T> x = g.tf.placeholder(type, Placeholder.shape(org.tensorflow.ndarray.Shape.of(dims)));
      Placeholder<T> z = g.tf.placeholder(type, Placeholder.shape(org.tensorflow.ndarray.Shape.of(
          BATCH, shape.size())));
      g.perturb(flow.trainableVariables(), 0.1, 9);
      Transformed<T> forward = flow.forwardAndLogDet(g.tf, x);
      Transformed<T> inverse = flow.inverse(g.tf, z);

      double[] x0 = new double[BATCH * shape.size()];
      SplittableRandom random = new SplittableRandom(17);
      for (int i = 0; i < x0.length; i++) {
        x0[i] = random.nextGaussian();
      }
      List<double[]> out = g.fetch(List.<Operand<?>>of(forward.value(), forward.logDet()),
          Map.of(x, HostTensors.of(type, x0, dims)));
      double[] z0 = out.get(0);
      long start = System.nanoTime();
      List<double[]> back = g.fetch(List.<Operand<?>>of(inverse.value(), inverse.logDet()),
          Map.of(z, HostTensors.of(type, z0, BATCH, shape.size())));
      double millis = (System.nanoTime() - start) / 1e6;
      double[] cancellation = new double[BATCH];
      for (int b = 0; b < BATCH; b++) {
        cancellation[b] = out.get(1)[b] + back.get(1)[b];
      }
      // The inverse must have done something: the latent differs from the data.
      assertThat(FlowChecks.maxAbsDiff(z0, x0)).as("|z - x|").isGreaterThan(0.1);
      return new double[] {FlowChecks.maxAbsDiff(back.get(0), x0), FlowChecks.maxAbs(cancellation), millis};
    }
  }
}
