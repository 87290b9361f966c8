package org.flows4j.tf.residual;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.layers.Parameters;
import org.flows4j.tf.layers.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.Svd;
import org.tensorflow.types.TFloat64;

/**
 * {@link LanczosBidiagonalization} on convolution operators in float64, against the dense SVD of the operator's
 * matrix (built by applying the map to every basis image): σ to 1e-10 relative and a singular pair whose residuals
 * {@code ‖Wv − σu‖}, {@code ‖Wᵀu − σv‖} are below 1e-6·σ; from either side (few inputs, few outputs); fewer steps
 * than the power method needs for the same accuracy; and a converged start stops after one step.
 */
class LanczosBidiagonalizationTest {
  private record Case(int in, int out, int height, int width) {}

  @Test
  void theTripletIsTheOperatorsTopSingularTriplet() {
    for (Case c : List.of(new Case(2, 24, 8, 8), new Case(24, 2, 8, 8), new Case(1, 12, 2, 2),
        new Case(3, 5, 6, 6))) {
      try (Graph graph = new Graph()) {
        Ops tf = Ops.create(graph);
        ConvSpectralLinear<TFloat64> map = map(tf, c);
        LanczosBidiagonalization.Triplet<TFloat64> triplet = LanczosBidiagonalization.topTriplet(tf, map, 200,
            1e-12);
        Operand<TFloat64> w = map.weight;
        try (Session session = new Session(graph)) {
          session.initialize();
          try (Result r = session.runner().fetch(triplet.sigma()).fetch(topSingularValue(tf, map, c))
              .fetch(norm(tf, tf.math.sub(map.apply(tf, w, triplet.v()), tf.math.mul(triplet.sigma(), triplet.u()))))
              .fetch(norm(tf, tf.math.sub(map.applyTransposed(tf, w, triplet.u()),
                  tf.math.mul(triplet.sigma(), triplet.v()))))
              .fetch(norm(tf, triplet.u())).fetch(norm(tf, triplet.v())).fetch(triplet.steps()).run()) {
            double sigma = HostTensors.toDouble(r.get(0));
            double expected = HostTensors.toDouble(r.get(1));
            System.out.printf("%s: σ %.15f (SVD %.15f), residuals %.2e %.2e, %d steps%n", c, sigma, expected,
                HostTensors.toDouble(r.get(2)), HostTensors.toDouble(r.get(3)), (int) HostTensors.toDouble(r.get(6)));
            assertThat(sigma).as(c + " σ").isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-10 * expected));
            assertThat(HostTensors.toDouble(r.get(2))).as(c + " ‖Wv − σu‖").isLessThan(1e-6 * expected);
            assertThat(HostTensors.toDouble(r.get(3))).as(c + " ‖Wᵀu − σv‖").isLessThan(1e-6 * expected);
            assertThat(HostTensors.toDouble(r.get(4))).as(c + " ‖u‖").isCloseTo(1, org.assertj.core.data.Offset.offset(1e-12));
            assertThat(HostTensors.toDouble(r.get(5))).as(c + " ‖v‖").isCloseTo(1, org.assertj.core.data.Offset.offset(1e-12));
          }
        }
      }
    }
  }

  /**
   * On a 16×16 image the operator's singular values crowd near the top: 200 power steps leave σ more than 1e-7
   * (relative) low, where the recurrence is within 1e-10 in at most 64 steps.
   */
  @Test
  void itNeedsFarFewerStepsThanThePowerMethod() {
    Case c = new Case(2, 24, 16, 16);
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      ConvSpectralLinear<TFloat64> lanczosMap = map(tf, c);
      LanczosBidiagonalization.Triplet<TFloat64> triplet = LanczosBidiagonalization.topTriplet(tf, lanczosMap, 200,
          1e-12);
      var power = lanczosMap.powerIteration(tf, 200, 0);
      try (Session session = new Session(graph)) {
        session.initialize();
        double expected;
        double sigma;
        int steps;
        try (Result r = session.runner().fetch(topSingularValue(tf, lanczosMap, c)).fetch(triplet.sigma())
            .fetch(triplet.steps()).run()) {
          expected = HostTensors.toDouble(r.get(0));
          sigma = HostTensors.toDouble(r.get(1));
          steps = (int) HostTensors.toDouble(r.get(2));
        }
        session.run(power);
        double powered;
        try (Result r = session.runner().fetch(lanczosMap.sigmaEstimate(tf)).run()) {
          powered = HostTensors.toDouble(r.get(0));
        }
        System.out.printf("σ %.15f; Lanczos %.15f in %d steps; 200 power steps %.15f%n", expected, sigma, steps,
            powered);
        assertThat(Math.abs(sigma - expected) / expected).as("Lanczos' relative error").isLessThan(1e-10);
        assertThat(steps).as("Lanczos' steps").isLessThanOrEqualTo(64);
        assertThat((expected - powered) / expected).as("the power method's relative error after 200 steps")
            .isGreaterThan(1e-7);
      }
    }
  }

  @Test
  void aConvergedStartStopsAfterOneStep() {
    Case c = new Case(2, 24, 8, 8);
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      ConvSpectralLinear<TFloat64> map = map(tf, c);
      var refresh = map.refreshByBidiagonalization(tf, 200, 1e-5);
      LanczosBidiagonalization.Triplet<TFloat64> again = LanczosBidiagonalization.topTriplet(tf, map, 200, 1e-5);
      try (Session session = new Session(graph)) {
        session.initialize();
        try (Result r = session.runner().fetch(again.steps()).run()) {
          assertThat((int) HostTensors.toDouble(r.get(0))).as("steps from a random start")
              .isGreaterThan(LanczosBidiagonalization.CHUNK);
        }
        session.run(refresh);
        try (Result r = session.runner().fetch(again.steps()).run()) {
          assertThat((int) HostTensors.toDouble(r.get(0))).as("steps from the stored, converged vectors")
              .isEqualTo(1);
        }
      }
    }
  }

  private static ConvSpectralLinear<TFloat64> map(Ops tf, Case c) {
    return new ConvSpectralLinear<>(tf, SpectralNormalization.defaults(), new Parameters<>(TFloat64.class, 5).in("map"),
        3, c.in(), c.out(), c.height(), c.width());
  }

  /** The largest singular value of the map's dense matrix, whose rows are W applied to each basis image. */
  private static Operand<TFloat64> topSingularValue(Ops tf, ConvSpectralLinear<TFloat64> map, Case c) {
    int n = c.height() * c.width() * c.in();
    double[] identity = new double[n * n];
    for (int i = 0; i < n; i++) {
      identity[i * n + i] = 1;
    }
    Operand<TFloat64> basis = Tensors.constant(tf, identity, new long[] {n, c.height(), c.width(), c.in()},
        TFloat64.class);
    Operand<TFloat64> rows = tf.reshape(map.apply(tf, map.weight, basis),
        tf.constant(new long[] {n, (long) c.height() * c.width() * c.out()}));
    Operand<TFloat64> values = tf.linalg.svd(rows, Svd.computeUv(false)).s();
    return tf.reshape(tf.slice(values, tf.constant(new int[] {0}), tf.constant(new int[] {1})),
        tf.constant(new int[0]));
  }

  private static Operand<TFloat64> norm(Ops tf, Operand<TFloat64> x) {
    return tf.math.sqrt(Tensors.sumAll(tf, tf.math.square(x)));
  }
}
