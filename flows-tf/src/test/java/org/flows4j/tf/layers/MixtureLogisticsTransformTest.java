package org.flows4j.tf.layers;

import org.flows4j.tf.GraphFixture;
import org.flows4j.tf.FlowChecks;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.tf.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/** The elementwise Flow++ transform against a host reference, its monotonicity, and the bisection's accuracy. */
class MixtureLogisticsTransformTest {
  static final int N = 1000;
  static final int K = 4;

  /** Random mixtures per scalar; component 0 is sharp (log s = −5), one in ten scalars has log s = −9 (clamped). */
  static final class Host {
    final double[] logits = new double[N * K];
    final double[] means = new double[N * K];
    final double[] logScales = new double[N * K];
    final double[] logA = new double[N];
    final double[] shift = new double[N];
    final double[] x = new double[N];

    Host(long seed) {
      SplittableRandom r = new SplittableRandom(seed);
      for (int n = 0; n < N; n++) {
        for (int k = 0; k < K; k++) {
          logits[n * K + k] = 2 * r.nextGaussian();
          means[n * K + k] = r.nextDouble(-3, 3);
          logScales[n * K + k] = k == 0 ? -5.0 : r.nextDouble(-3, 1);
        }
        if (n % 10 == 0) {
          logScales[n * K + 1] = -9.0;
        }
        logA[n] = r.nextDouble(-1, 1);
        shift[n] = r.nextDouble(-1, 1);
        // Half the points near a (possibly sharp) component's mean, half spread wide.
        x[n] = n % 2 == 0 ? means[n * K + r.nextInt(K)] + 0.01 * r.nextGaussian() : r.nextDouble(-8, 8);
      }
    }

    <T extends TFloating> MixtureLogisticsTransform.Mixture<T> mixture(GraphFixture g, Class<T> type) {
      long[] kShape = {N, K};
      long[] shape = {N};
      return new MixtureLogisticsTransform.Mixture<>(Tensors.constant(g.tf, logits, kShape, type),
          Tensors.constant(g.tf, means, kShape, type), Tensors.constant(g.tf, logScales, kShape, type),
          Tensors.constant(g.tf, logA, shape, type), Tensors.constant(g.tf, shift, shape, type));
    }

    /** Direct reference in double: y and log|dy/dx| (loses accuracy only where F or 1 − F underflows). */
    double[] reference(int n, double xn) {
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < K; k++) {
        max = Math.max(max, logits[n * K + k]);
      }
      double norm = 0;
      for (int k = 0; k < K; k++) {
        norm += Math.exp(logits[n * K + k] - max);
      }
      double cdf = 0;
      double survival = 0; // 1 − F summed directly: subtracting F from 1 loses it in the upper tail
      double pdf = 0;
      for (int k = 0; k < K; k++) {
        double pi = Math.exp(logits[n * K + k] - max) / norm;
        double s = Math.exp(Math.max(logScales[n * K + k], -7.0));
        double z = (xn - means[n * K + k]) / s;
        double sig = 1 / (1 + Math.exp(-z));
        cdf += pi * sig;
        survival += pi / (1 + Math.exp(z));
        double e = Math.exp(-Math.abs(z));
        pdf += pi * e / ((1 + e) * (1 + e)) / s; // σ'(z) = σ(z)σ(−z), written so that neither factor is 1 − 1
      }
      double y = Math.exp(logA[n]) * (Math.log(cdf) - Math.log(survival)) + shift[n];
      double logDet = logA[n] + Math.log(pdf) - Math.log(cdf) - Math.log(survival);
      return new double[] {y, logDet};
    }
  }

  @Test
  void forwardMatchesHostReference() {
    Host host = new Host(1);
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class);
      MixtureLogisticsTransform.Elementwise<TFloat64> out =
          MixtureLogisticsTransform.forward(g.tf, x, host.mixture(g, TFloat64.class), TFloat64.class);
      List<double[]> v = g.fetch(List.of(out.value(), out.logDet()), Map.of(x, HostTensors.of(TFloat64.class, host.x, N)));
      double yError = 0;
      double logDetError = 0;
      int compared = 0;
      for (int n = 0; n < N; n++) {
        double[] ref = host.reference(n, host.x[n]);
        if (!Double.isFinite(ref[0]) || !Double.isFinite(ref[1]) || Math.abs(ref[0]) > 20) {
          continue; // the naive reference loses F or 1 − F in the far tails; the graph does not
        }
        compared++;
        yError = Math.max(yError, Math.abs(v.get(0)[n] - ref[0]) / (1 + Math.abs(ref[0])));
        logDetError = Math.max(logDetError, Math.abs(v.get(1)[n] - ref[1]) / (1 + Math.abs(ref[1])));
      }
      System.out.printf("forward vs host reference: %d compared, y rel error %.3g, log-det rel error %.3g%n",
          compared, yError, logDetError);
      assertThat(compared).isGreaterThan(N / 2);
      assertThat(yError).isLessThanOrEqualTo(1e-9);
      assertThat(logDetError).isLessThanOrEqualTo(1e-9);
      assertThat(FlowChecks.allFinite(v.get(0))).isTrue();
      assertThat(FlowChecks.allFinite(v.get(1))).isTrue();
    }
  }

  @Test
  void farTailsStayFinite() {
    Host host = new Host(2);
    double[] far = new double[N];
    for (int n = 0; n < N; n++) {
      far[n] = (n % 2 == 0 ? 1 : -1) * (50 + n);
    }
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class);
      MixtureLogisticsTransform.Mixture<TFloat64> mixture = host.mixture(g, TFloat64.class);
      MixtureLogisticsTransform.Elementwise<TFloat64> out =
          MixtureLogisticsTransform.forward(g.tf, x, mixture, TFloat64.class);
      MixtureLogisticsTransform.Inversion<TFloat64> back =
          MixtureLogisticsTransform.inverse(g.tf, out.value(), mixture, TFloat64.class, 1e-9, 200);
      List<double[]> v = g.fetch(List.of(out.value(), out.logDet(), back.value()),
          Map.of(x, HostTensors.of(TFloat64.class, far, N)));
      assertThat(FlowChecks.allFinite(v.get(0))).isTrue();
      assertThat(FlowChecks.allFinite(v.get(1))).isTrue();
      double error = FlowChecks.maxAbsDiff(v.get(2), far);
      System.out.printf("far tails |x| in [50, 1050]: round-trip error %.3g%n", error);
      assertThat(error).isLessThanOrEqualTo(1e-9 * 1100);
    }
  }

  /**
   * Round trip x → y → x̂ on 1000 random mixtures (sharp components included). At 1e-6 (the default) and 1e-9 the
   * raw error meets the tolerance. Below ~1e-10 the limit is the problem's conditioning, not the bisection: y is
   * known to a few ulps (~1e-15·|y|), which moves x by that over dy/dx, and dy/dx is ~1e-6 between far-apart sharp components.
   * So every point must also satisfy {@code |x − x̂| ≤ tolerance + 2e-15·(1 + |y|) / (dy/dx)}.
   */
  @ParameterizedTest(name = "tolerance {0}")
  @CsvSource({"1e-6, 1e-6", "1e-9, 1e-9", "1e-13, 1e-9"})
  void bisectionReachesItsTolerance(double tolerance, double rawBound) {
    Host host = new Host(3);
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class);
      MixtureLogisticsTransform.Mixture<TFloat64> mixture = host.mixture(g, TFloat64.class);
      MixtureLogisticsTransform.Elementwise<TFloat64> forward =
          MixtureLogisticsTransform.forward(g.tf, x, mixture, TFloat64.class);
      MixtureLogisticsTransform.Inversion<TFloat64> back = tolerance == 1e-6
          ? MixtureLogisticsTransform.inverse(g.tf, forward.value(), mixture, TFloat64.class,
              org.flows4j.api.step.MixtureLogisticsCoupling.DEFAULT_INVERSE_TOLERANCE,
              org.flows4j.api.step.MixtureLogisticsCoupling.DEFAULT_MAX_ITERATIONS)
          : MixtureLogisticsTransform.inverse(g.tf, forward.value(), mixture, TFloat64.class, tolerance, 100);
      List<double[]> v = g.fetch(List.of(back.value(), back.iterations(), forward.value(), forward.logDet()),
          Map.of(x, HostTensors.of(TFloat64.class, host.x, N)));
      double error = FlowChecks.maxAbsDiff(v.get(0), host.x);
      double worstExcess = 0;
      double worstWellConditioned = 0;
      for (int n = 0; n < N; n++) {
        double e = Math.abs(v.get(0)[n] - host.x[n]);
        double slope = Math.exp(v.get(3)[n]);
        double conditioning = 2e-15 * (1 + Math.abs(v.get(2)[n])) / slope;
        worstExcess = Math.max(worstExcess, e / (tolerance + conditioning));
        if (slope > 1e-2) {
          worstWellConditioned = Math.max(worstWellConditioned, e);
        }
      }
      System.out.printf("bisection tolerance %.0e: max |x - x^| = %.3g (%.3g where dy/dx > 1e-2), "
          + "max error / (tol + conditioning) = %.3g, %d iterations, %d scalars%n",
          tolerance, error, worstWellConditioned, worstExcess, (long) v.get(1)[0], N);
      assertThat(error).isLessThanOrEqualTo(rawBound);
      assertThat(worstExcess).isLessThanOrEqualTo(1.0);
      assertThat(v.get(1)[0]).isLessThan(100);
    }
  }

  @Test
  void transformIsStrictlyIncreasingAndItsDerivativeIsExpLogDet() {
    Host host = new Host(4);
    double h = 1e-6;
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class);
      MixtureLogisticsTransform.Elementwise<TFloat64> out =
          MixtureLogisticsTransform.forward(g.tf, x, host.mixture(g, TFloat64.class), TFloat64.class);
      double worst = 0;
      int checked = 0;
      int strict = 0;
      for (double offset : new double[] {-6, -2.5, -0.3, 0, 0.01, 0.7, 2, 6}) {
        double[] x0 = new double[N];
        double[] minus = new double[N];
        double[] plus = new double[N];
        for (int n = 0; n < N; n++) {
          x0[n] = host.means[n * K] + offset * Math.exp(host.logScales[n * K + 2]);
          minus[n] = x0[n] - h;
          plus[n] = x0[n] + h;
        }
        double[] y0 = fetchY(g, out, x, x0);
        double[] logDet = g.fetch(out.logDet(), Map.of(x, HostTensors.of(TFloat64.class, x0, N)));
        double[] yMinus = fetchY(g, out, x, minus);
        double[] yPlus = fetchY(g, out, x, plus);
        for (int n = 0; n < N; n++) {
          double derivative = Math.exp(logDet[n]);
          assertThat(derivative).as("dy/dx at x = %s", x0[n]).isGreaterThan(0.0);
          // Never decreasing; strictly increasing wherever the step h·dy/dx is above y's rounding (~1e-15·|y|).
          assertThat(yPlus[n]).as("y(x + h) ≥ y(x) at x = %s", x0[n]).isGreaterThanOrEqualTo(y0[n]);
          assertThat(y0[n]).as("y(x) ≥ y(x - h) at x = %s", x0[n]).isGreaterThanOrEqualTo(yMinus[n]);
          if (derivative * h > 1e-13 * (1 + Math.abs(y0[n]))) {
            strict++;
            assertThat(yPlus[n]).as("y(x + h) > y(x) at x = %s", x0[n]).isGreaterThan(y0[n]);
            assertThat(y0[n]).as("y(x) > y(x - h) at x = %s", x0[n]).isGreaterThan(yMinus[n]);
          }
          double fd = (yPlus[n] - yMinus[n]) / (2 * h);
          if (derivative > 1e-3 && derivative < 1e5) {
            checked++;
            worst = Math.max(worst, Math.abs(fd - derivative) / derivative);
          }
        }
      }
      System.out.printf("monotone: %d points strictly increasing; central difference vs exp(log-det) on %d points,"
          + " worst rel error %.3g%n", strict, checked, worst);
      assertThat(strict).isGreaterThan(N);
      assertThat(worst).isLessThanOrEqualTo(1e-4);
    }
  }

  private static double[] fetchY(GraphFixture g, MixtureLogisticsTransform.Elementwise<TFloat64> out,
      Placeholder<TFloat64> x, double[] values) {
    return g.fetch(out.value(), Map.of(x, HostTensors.of(TFloat64.class, values, N)));
  }

  @Test
  void float32InverseTerminatesAtTheFloatResolution() {
    Host host = new Host(5);
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat32> x = g.tf.placeholder(TFloat32.class);
      MixtureLogisticsTransform.Mixture<TFloat32> mixture = host.mixture(g, TFloat32.class);
      Operand<TFloat32> y = MixtureLogisticsTransform.forward(g.tf, x, mixture, TFloat32.class).value();
      // A tolerance far below float32 resolution: the stall test must end the loop, not the iteration bound.
      MixtureLogisticsTransform.Inversion<TFloat32> back =
          MixtureLogisticsTransform.inverse(g.tf, y, mixture, TFloat32.class, 1e-12, 1000);
      double[] x32 = new double[N];
      for (int n = 0; n < N; n++) {
        x32[n] = (float) host.x[n];
      }
      List<double[]> v = g.fetch(List.of(back.value(), back.iterations()),
          Map.of(x, HostTensors.of(TFloat32.class, x32, N)));
      double error = 0;
      for (int n = 0; n < N; n++) {
        // Relative to the local slope: float32 y has ~1e-7 relative error, which moves x by that over dy/dx.
        error = Math.max(error, Math.abs(v.get(0)[n] - x32[n]));
      }
      System.out.printf("float32: max |x - x^| = %.3g after %d iterations%n", error, (long) v.get(1)[0]);
      assertThat(v.get(1)[0]).isLessThan(1000);
      assertThat(error).isLessThanOrEqualTo(1e-3);
    }
  }
}
