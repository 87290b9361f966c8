package org.flows4j.tf.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.transform.RationalQuadraticSpline;
import org.flows4j.tf.FlowChecks;
import org.flows4j.tf.GraphFixture;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.gradients.FiniteDifferenceCheck;
import org.flows4j.tf.gradients.SafeGradients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * The rational-quadratic spline against a host implementation of the paper's formulas, and the properties a flow
 * needs from it: invertibility, exact log-derivatives, monotonicity, identity tails, exact edges, finite values and
 * correct gradients. Float64 unless a test says otherwise; 8 bins on [−3, 3] (the defaults) unless stated.
 */
class RationalQuadraticSplineTransformTest {
  static final RationalQuadraticSpline SPEC = RationalQuadraticSpline.defaults();
  static final int P = SPEC.parametersPerScalar();
  static final double B = SPEC.bound();

  static double[] gaussian(int n, double scale, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = scale * r.nextGaussian();
    }
    return v;
  }

  static double[] uniform(int n, double lo, double hi, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextDouble(lo, hi);
    }
    return v;
  }

  /** A graph with x (or y) {@code [n]} and parameters {@code [n, P]} fed, the forward and the inverse built on them. */
  static final class SplineGraph<T extends TFloating> implements AutoCloseable {
    final GraphFixture g = new GraphFixture();
    final Class<T> type;
    final RationalQuadraticSpline spec;
    final Placeholder<T> input;
    final Placeholder<T> params;
    final RationalQuadraticSplineTransform.Elementwise<T> forward;
    final RationalQuadraticSplineTransform.Elementwise<T> inverse;
    final RationalQuadraticSplineTransform.Elementwise<T> roundTrip;

    SplineGraph(Class<T> type, RationalQuadraticSpline spec) {
      this.type = type;
      this.spec = spec;
      input = g.tf.placeholder(type);
      params = g.tf.placeholder(type);
      forward = RationalQuadraticSplineTransform.forward(g.tf, input, params, spec, type);
      inverse = RationalQuadraticSplineTransform.inverse(g.tf, input, params, spec, type);
      roundTrip = RationalQuadraticSplineTransform.inverse(g.tf, forward.value(), params, spec, type);
    }

    List<double[]> run(List<? extends Operand<?>> fetches, double[] values, double[] parameters) {
      int n = values.length;
      try (var in = HostTensors.of(type, values, n);
          var p = HostTensors.of(type, parameters, n, spec.parametersPerScalar())) {
        return g.fetch(fetches, Map.of(input, in, params, p));
      }
    }

    @Override
    public void close() {
      g.close();
    }
  }

  @Test
  void forwardMatchesTheHostImplementationOfThePaperWithin1e12AndItsLogDetWithin1e10() {
    int n = 4000;
    double[] params = gaussian(n * P, 3, 1);
    double[] x = uniform(n, -4, 4, 2);
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      List<double[]> v = s.run(List.of(s.forward.value(), s.forward.logDet()), x, params);
      double yError = 0;
      double logDetError = 0;
      for (int i = 0; i < n; i++) {
        double[] ref = new SplineReference(params, i * P, SPEC).forward(x[i]);
        yError = Math.max(yError, Math.abs(v.get(0)[i] - ref[0]));
        logDetError = Math.max(logDetError, Math.abs(v.get(1)[i] - Math.log(ref[1])));
      }
      System.out.printf("spline forward vs host reference (%d scalars): max |y error| %.3g, max |log-det error| %.3g%n",
          n, yError, logDetError);
      assertThat(yError).isLessThanOrEqualTo(1e-12);
      // Narrow bins (width ~1e-5 for raw parameters of scale 3) turn knot rounding of ~1e-16 into ~1e-11 here.
      assertThat(logDetError).isLessThanOrEqualTo(1e-10);
    }
  }

  @Test
  void roundTripWithin1e10AndInverseLogDetIsMinusForwardLogDetWithin1e9() {
    int n = 10_000;
    double[] params = gaussian(n * P, 2, 3);
    double[] x = uniform(n, -3.5, 3.5, 4);
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      List<double[]> v = s.run(List.of(s.roundTrip.value(), s.forward.logDet(), s.roundTrip.logDet()), x, params);
      double error = FlowChecks.maxAbsDiff(v.get(0), x);
      double cancel = 0;
      for (int i = 0; i < n; i++) {
        cancel = Math.max(cancel, Math.abs(v.get(1)[i] + v.get(2)[i]));
      }
      System.out.printf("spline round trip (%d scalars, raw params ~ N(0, 4)): max |x - x^| %.3g, "
          + "max |logdet_f + logdet_i| %.3g%n", n, error, cancel);
      assertThat(error).isLessThanOrEqualTo(1e-10);
      assertThat(cancel).isLessThanOrEqualTo(1e-9);
    }
  }

  /**
   * With raw parameters of scale 5 some bins are nearly flat (dy/dx down to ~1e-8): y is known to a few ulps, which
   * moves x by that over dy/dx. Every point must meet {@code |x − x̂| ≤ 1e-10 + 4ε(1 + |y|) / (dy/dx)}, and the raw
   * 1e-10 wherever dy/dx ≥ 1e-4.
   */
  @Test
  void roundTripErrorStaysWithinTheProblemsConditioningForSteepAndFlatBins() {
    int n = 10_000;
    double[] params = gaussian(n * P, 5, 21);
    double[] x = uniform(n, -3.5, 3.5, 22);
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      List<double[]> v = s.run(List.of(s.roundTrip.value(), s.forward.value(), s.forward.logDet()), x, params);
      double worstExcess = 0;
      double worstWellConditioned = 0;
      double smallestSlope = Double.POSITIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        double e = Math.abs(v.get(0)[i] - x[i]);
        double slope = Math.exp(v.get(2)[i]);
        smallestSlope = Math.min(smallestSlope, slope);
        worstExcess = Math.max(worstExcess, e / (1e-10 + 4 * Math.ulp(1.0) * (1 + Math.abs(v.get(1)[i])) / slope));
        if (slope >= 1e-4) {
          worstWellConditioned = Math.max(worstWellConditioned, e);
        }
      }
      System.out.printf("spline round trip, raw params ~ N(0, 25): smallest dy/dx %.3g, max |x - x^| where dy/dx >= "
          + "1e-4: %.3g, max error / (1e-10 + conditioning) %.3g%n", smallestSlope, worstWellConditioned, worstExcess);
      assertThat(worstWellConditioned).isLessThanOrEqualTo(1e-10);
      assertThat(worstExcess).isLessThanOrEqualTo(1.0);
    }
  }

  @Test
  void logDetEqualsLogOfTheAutodiffDerivativeWithin1e8() {
    int n = 4000;
    double[] params = gaussian(n * P, 3, 5);
    double[] x = uniform(n, -4, 4, 6);
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      // Elementwise: the gradient of Σ y with respect to x is the Jacobian's diagonal, the whole Jacobian.
      Operand<?> dydx = SafeGradients.gradientsOrZeros(s.g.tf, s.forward.value(), List.of(s.input)).get(0);
      Operand<?> dxdy = SafeGradients.gradientsOrZeros(s.g.tf, s.inverse.value(), List.of(s.input)).get(0);
      List<double[]> v = s.run(List.of(dydx, s.forward.logDet(), dxdy, s.inverse.logDet()), x, params);
      double forwardError = 0;
      double inverseError = 0;
      for (int i = 0; i < n; i++) {
        forwardError = Math.max(forwardError, Math.abs(Math.log(v.get(0)[i]) - v.get(1)[i]));
        inverseError = Math.max(inverseError, Math.abs(Math.log(v.get(2)[i]) - v.get(3)[i]));
      }
      System.out.printf("spline log-det vs log of autodiff derivative: forward %.3g, inverse %.3g%n",
          forwardError, inverseError);
      assertThat(forwardError).isLessThanOrEqualTo(1e-8);
      assertThat(inverseError).isLessThanOrEqualTo(1e-8);
    }
  }

  /**
   * Five-point central differences with a step of 1e-3 of the scale on which the bin's map varies: the bin width
   * times {@code min(1, s/(d_k + d_{k+1}), d_k/s, d_{k+1}/s)} (a steep or flat end makes a feature that narrow), so
   * truncation is ~(1e-3)⁴ relative. Points at least 3 steps inside their bin (the second derivative jumps at knots),
   * and where y's rounding over the step, {@code 3ε(1 + |y|) / (h·dy/dx)}, is below 1e-9.
   */
  @Test
  void logDetMatchesFivePointFiniteDifferencesWithin1e7InsideBins() {
    int n = 4000;
    double[] params = gaussian(n * P, 2, 7);
    double[] x = uniform(n, -3.4, 3.4, 8);
    double[] h = new double[n];
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SplineReference ref = new SplineReference(params, i * P, SPEC);
      int bin = ref.bin(x[i]);
      double w = ref.xKnots[bin + 1] - ref.xKnots[bin];
      double slope = (ref.yKnots[bin + 1] - ref.yKnots[bin]) / w;
      double d0 = ref.derivatives[bin];
      double d1 = ref.derivatives[bin + 1];
      h[i] = 1e-3 * w * Math.min(Math.min(1, slope / (d0 + d1)), Math.min(d0 / slope, d1 / slope));
      boolean inside = x[i] - ref.xKnots[bin] > 3 * h[i] && ref.xKnots[bin + 1] - x[i] > 3 * h[i];
      double[] y = ref.forward(x[i]);
      if (inside && 3 * Math.ulp(1.0) * (1 + Math.abs(y[0])) / (h[i] * y[1]) <= 1e-9) {
        kept.add(i);
      }
    }
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      double[][] ys = new double[4][];
      int[] offsets = {-2, -1, 1, 2};
      for (int j = 0; j < offsets.length; j++) {
        double[] shifted = x.clone();
        for (int i = 0; i < n; i++) {
          shifted[i] += offsets[j] * h[i];
        }
        ys[j] = s.run(List.of(s.forward.value()), shifted, params).get(0);
      }
      double[] logDet = s.run(List.of(s.forward.logDet()), x, params).get(0);
      double worst = 0;
      for (int i : kept) {
        double fd = (ys[0][i] - 8 * ys[1][i] + 8 * ys[2][i] - ys[3][i]) / (12 * h[i]);
        worst = Math.max(worst, Math.abs(Math.log(fd) - logDet[i]));
      }
      System.out.printf("spline log-det vs 5-point finite difference (adaptive h, %d of %d points): "
          + "max |error| %.3g%n", kept.size(), n, worst);
      assertThat(kept.size()).isGreaterThan(n / 3);
      assertThat(worst).isLessThanOrEqualTo(1e-7);
    }
  }

  @Test
  void strictlyIncreasingWithPositiveDerivativeOnADenseGridForRandomParameters() {
    int splines = 16;
    int points = 8001;
    double[] grid = new double[splines * points];
    double[] params = new double[splines * points * P];
    double[] perSpline = gaussian(splines * P, 4, 9);
    for (int s = 0; s < splines; s++) {
      for (int i = 0; i < points; i++) {
        grid[s * points + i] = -3.5 + 7.0 * i / (points - 1);
        System.arraycopy(perSpline, s * P, params, (s * points + i) * P, P);
      }
    }
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      List<double[]> v = s.run(List.of(s.forward.value(), s.forward.logDet()), grid, params);
      double smallestStep = Double.POSITIVE_INFINITY;
      double smallestLogDet = Double.POSITIVE_INFINITY;
      for (int sp = 0; sp < splines; sp++) {
        for (int i = 0; i + 1 < points; i++) {
          int at = sp * points + i;
          double step = v.get(0)[at + 1] - v.get(0)[at];
          assertThat(step).as("y(x_{i+1}) - y(x_i) at spline %d, x = %s", sp, grid[at]).isGreaterThan(0.0);
          smallestStep = Math.min(smallestStep, step);
        }
        for (int i = 0; i < points; i++) {
          smallestLogDet = Math.min(smallestLogDet, v.get(1)[sp * points + i]);
        }
      }
      System.out.printf("spline monotone on %d splines x %d points (raw params ~ N(0, 16)): smallest y step %.3g, "
          + "smallest log dy/dx %.3g%n", splines, points, smallestStep, smallestLogDet);
      assertThat(Double.isFinite(smallestLogDet)).isTrue();
    }
  }

  @Test
  void tailsAreBitwiseTheIdentityWithLogDetExactlyZeroOutsideTheBound() {
    double[] outside = {Math.nextUp(B), -Math.nextUp(B), 3.0000001, -3.5, 7, -17.25, 1e6, -1e6, 1e300, -1e300,
        Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    int n = outside.length;
    double[] params = gaussian(n * P, 5, 10);
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      List<double[]> v = s.run(
          List.of(s.forward.value(), s.forward.logDet(), s.inverse.value(), s.inverse.logDet()), outside, params);
      for (int i = 0; i < n; i++) {
        assertThat(Double.doubleToRawLongBits(v.get(0)[i])).as("forward y bits at x = %s", outside[i])
            .isEqualTo(Double.doubleToRawLongBits(outside[i]));
        assertThat(Double.doubleToRawLongBits(v.get(2)[i])).as("inverse x bits at y = %s", outside[i])
            .isEqualTo(Double.doubleToRawLongBits(outside[i]));
        assertThat(v.get(1)[i]).as("forward log-det at x = %s", outside[i]).isEqualTo(0.0);
        assertThat(v.get(3)[i]).as("inverse log-det at y = %s", outside[i]).isEqualTo(0.0);
      }
    }
  }

  @Test
  void boundsMapToThemselvesWithSlopeOneAndInvertThere() {
    int splines = 200;
    double[] x = new double[2 * splines];
    double[] params = new double[2 * splines * P];
    double[] perSpline = gaussian(splines * P, 4, 11);
    for (int s = 0; s < splines; s++) {
      x[2 * s] = -B;
      x[2 * s + 1] = B;
      System.arraycopy(perSpline, s * P, params, 2 * s * P, P);
      System.arraycopy(perSpline, s * P, params, (2 * s + 1) * P, P);
    }
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      List<double[]> v = s.run(List.of(s.forward.value(), s.forward.logDet(), s.inverse.value(),
          s.inverse.logDet()), x, params);
      double forwardError = FlowChecks.maxAbsDiff(v.get(0), x);
      double inverseError = FlowChecks.maxAbsDiff(v.get(2), x);
      System.out.printf("spline at +-B (raw params ~ N(0, 16)): forward |y - (+-B)| %.3g, |log-det| %.3g; "
          + "inverse |x - (+-B)| %.3g, |log-det| %.3g%n", forwardError, FlowChecks.maxAbs(v.get(1)), inverseError,
          FlowChecks.maxAbs(v.get(3)));
      // Forward: θ is exactly 0 or 1 there, so y = y_k + h·(s/s) is ±B to an ulp and the log-det is exactly 0.
      assertThat(forwardError).isLessThanOrEqualTo(2 * Math.ulp(B));
      assertThat(FlowChecks.maxAbs(v.get(1))).isEqualTo(0.0);
      // Inverse: the quadratic's root is 0 or 1 up to rounding of a, b, c.
      assertThat(inverseError).isLessThanOrEqualTo(1e-12);
      assertThat(FlowChecks.maxAbs(v.get(3))).isLessThanOrEqualTo(1e-9);
    }
  }

  @Test
  void inverseWithin1e10AtAndNextToEveryKnot() {
    int splines = 100;
    int k = SPEC.bins();
    double[] perSpline = gaussian(splines * P, 4, 12);
    double eps = 1e-12;
    List<Double> ys = new ArrayList<>();
    List<Double> expectedX = new ArrayList<>();
    List<Double> xs = new ArrayList<>();
    List<Integer> owner = new ArrayList<>();
    List<Integer> xOwner = new ArrayList<>();
    for (int s = 0; s < splines; s++) {
      SplineReference ref = new SplineReference(perSpline, s * P, SPEC);
      for (int j = 0; j <= k; j++) {
        for (double offset : new double[] {-eps, 0, eps}) {
          double y = ref.yKnots[j] + offset;
          double x = ref.xKnots[j] + offset;
          if (Math.abs(y) <= B) {
            ys.add(y);
            expectedX.add(offset == 0 ? ref.xKnots[j] : Double.NaN);
            owner.add(s);
          }
          if (Math.abs(x) <= B) {
            xs.add(x);
            xOwner.add(s);
          }
        }
      }
    }
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      double[] y = ys.stream().mapToDouble(Double::doubleValue).toArray();
      double[] yParams = paramsFor(owner, perSpline);
      List<double[]> inv = s.run(List.of(s.inverse.value(), s.inverse.logDet()), y, yParams);
      // Back through the forward: forward(inverse(y)) = y.
      List<double[]> back = s.run(List.of(s.forward.value()), inv.get(0), yParams);
      double knotError = 0;
      for (int i = 0; i < y.length; i++) {
        if (!Double.isNaN(expectedX.get(i))) {
          knotError = Math.max(knotError, Math.abs(inv.get(0)[i] - expectedX.get(i)));
        }
      }
      double yRoundTrip = FlowChecks.maxAbsDiff(back.get(0), y);

      double[] x = xs.stream().mapToDouble(Double::doubleValue).toArray();
      List<double[]> fwd = s.run(List.of(s.roundTrip.value()), x, paramsFor(xOwner, perSpline));
      double xRoundTrip = FlowChecks.maxAbsDiff(fwd.get(0), x);
      System.out.printf("spline at knots and knots +-1e-12 (%d y points, %d x points): |x(y_k) - x_k| %.3g, "
          + "|f(f^-1(y)) - y| %.3g, |f^-1(f(x)) - x| %.3g%n", y.length, x.length, knotError, yRoundTrip, xRoundTrip);
      assertThat(FlowChecks.allFinite(inv.get(1))).isTrue();
      assertThat(knotError).isLessThanOrEqualTo(1e-10);
      assertThat(yRoundTrip).isLessThanOrEqualTo(1e-10);
      assertThat(xRoundTrip).isLessThanOrEqualTo(1e-10);
    }
  }

  private static double[] paramsFor(List<Integer> owners, double[] perSpline) {
    double[] out = new double[owners.size() * P];
    for (int i = 0; i < owners.size(); i++) {
      System.arraycopy(perSpline, owners.get(i) * P, out, i * P, P);
    }
    return out;
  }

  /** Raw parameter sets at ±50: all +50, all −50, alternating, and uniform in [−50, 50]. */
  static double[] extremeParameters(int n) {
    double[] random = uniform(n * P, -50, 50, 13);
    double[] out = new double[n * P];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < P; j++) {
        out[i * P + j] = switch (i % 4) {
          case 0 -> 50;
          case 1 -> -50;
          case 2 -> (j % 2 == 0) ? 50 : -50;
          default -> random[i * P + j];
        };
      }
    }
    return out;
  }

  @ParameterizedTest(name = "float{0}")
  @ValueSource(ints = {32, 64})
  void valuesLogDetsAndGradientsAreFiniteForExtremeInputsAndParameters(int bits) {
    if (bits == 32) {
      extremes(TFloat32.class);
    } else {
      extremes(TFloat64.class);
    }
  }

  private static <T extends TFloating> void extremes(Class<T> type) {
    double[] inputs = {1e6, -1e6, B, -B, Math.nextDown(B), -Math.nextDown(B), B - 1e-12, 0, 1, -1, 2.999, 1e-30};
    int n = inputs.length * 4;
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = inputs[i / 4];
    }
    double[] params = extremeParameters(n);
    try (SplineGraph<T> s = new SplineGraph<>(type, SPEC)) {
      List<Operand<?>> fetches = new ArrayList<>(List.of(s.forward.value(), s.forward.logDet(), s.inverse.value(),
          s.inverse.logDet(), s.roundTrip.value()));
      Operand<T> forwardObjective = s.g.tf.math.add(s.forward.value(), s.forward.logDet());
      Operand<T> inverseObjective = s.g.tf.math.add(s.inverse.value(), s.inverse.logDet());
      fetches.addAll(SafeGradients.gradientsOrZeros(s.g.tf, forwardObjective, List.of(s.input, s.params)));
      fetches.addAll(SafeGradients.gradientsOrZeros(s.g.tf, inverseObjective, List.of(s.input, s.params)));
      List<double[]> v = s.run(fetches, x, params);
      String[] names = {"forward y", "forward log-det", "inverse x", "inverse log-det", "round trip",
          "d/dx forward", "d/dparams forward", "d/dy inverse", "d/dparams inverse"};
      for (int j = 0; j < names.length; j++) {
        assertThat(FlowChecks.allFinite(v.get(j))).as("%s (%s) finite", names[j], type.getSimpleName()).isTrue();
      }
      // The round trip is not asserted here: raw parameters of ±50 make bins with dy/dx ~ 1e-8, where y's
      // rounding moves x a long way (see roundTripErrorStaysWithinTheProblemsConditioningForSteepAndFlatBins).
      System.out.printf("spline extremes (%s, params +-50, |x| up to 1e6): all finite, round-trip error %.3g, "
          + "max |d/dparams| %.3g%n", type.getSimpleName(), FlowChecks.maxAbsDiff(v.get(4), x),
          FlowChecks.maxAbs(v.get(6)));
    }
  }

  @Test
  void gradientsWithRespectToParametersAndInputsMatchFiniteDifferences() {
    RationalQuadraticSpline spec = RationalQuadraticSpline.defaults().bins(4);
    int p = spec.parametersPerScalar();
    int n = 8;
    double[] params = gaussian(n * p, 1, 14);
    double[] x = uniform(n, -2.9, 2.9, 15);
    x[n - 2] = 3.7; // a tail: gradient 1 for x, 0 for the parameters
    x[n - 1] = -4.2;
    for (int i = 0; i < n - 2; i++) {
      SplineReference ref = new SplineReference(params, i * p, spec);
      for (double knot : ref.xKnots) {
        if (Math.abs(x[i] - knot) < 1e-3) {
          x[i] += 2e-3; // finite differences across a knot see a kink in the parameters' direction
        }
      }
    }
    List<FiniteDifferenceCheck.Input> inputs = List.of(
        new FiniteDifferenceCheck.Input("x", Shape.of(n), x),
        new FiniteDifferenceCheck.Input("params", Shape.of(n, p), params));
    FiniteDifferenceCheck check = FiniteDifferenceCheck.create();
    check.check("spline forward y", (tf, in) ->
        RationalQuadraticSplineTransform.forward(tf, in.get(0), in.get(1), spec, TFloat64.class).value(), inputs)
        .assertMaxAbsErrorAtMost(1e-7);
    check.check("spline forward log-det", (tf, in) ->
        RationalQuadraticSplineTransform.forward(tf, in.get(0), in.get(1), spec, TFloat64.class).logDet(), inputs)
        .assertMaxAbsErrorAtMost(1e-7);
    check.check("spline inverse x", (tf, in) ->
        RationalQuadraticSplineTransform.inverse(tf, in.get(0), in.get(1), spec, TFloat64.class).value(), inputs)
        .assertMaxAbsErrorAtMost(1e-7);
    check.check("spline inverse log-det", (tf, in) ->
        RationalQuadraticSplineTransform.inverse(tf, in.get(0), in.get(1), spec, TFloat64.class).logDet(), inputs)
        .assertMaxAbsErrorAtMost(1e-7);
  }

  @Test
  void zeroParametersGiveTheIdentityWithinRounding() {
    int n = 1000;
    double[] x = uniform(n, -3, 3, 16);
    try (SplineGraph<TFloat64> s = new SplineGraph<>(TFloat64.class, SPEC)) {
      List<double[]> v = s.run(List.of(s.forward.value(), s.forward.logDet()), x, new double[n * P]);
      double error = FlowChecks.maxAbsDiff(v.get(0), x);
      System.out.printf("spline with zero parameters: max |y - x| %.3g, max |log-det| %.3g%n", error,
          FlowChecks.maxAbs(v.get(1)));
      assertThat(error).isLessThanOrEqualTo(1e-14);
      assertThat(FlowChecks.maxAbs(v.get(1))).isLessThanOrEqualTo(1e-14);
    }
  }

  @Test
  void keepsAnyBatchShapeAndActsOnEachScalarAlone() {
    long[] shape = {2, 3, 4};
    int n = 24;
    double[] params = gaussian(n * P, 3, 17);
    double[] x = uniform(n, -3.5, 3.5, 18);
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> in = g.tf.placeholder(TFloat64.class);
      Placeholder<TFloat64> p = g.tf.placeholder(TFloat64.class);
      RationalQuadraticSplineTransform.Elementwise<TFloat64> out =
          RationalQuadraticSplineTransform.forward(g.tf, in, p, SPEC, TFloat64.class);
      Session.Runner runner = g.session().runner();
      try (var xt = HostTensors.of(TFloat64.class, x, shape);
          var pt = HostTensors.of(TFloat64.class, params, 2, 3, 4, P)) {
        runner.feed(in, xt).feed(p, pt).fetch(out.value()).fetch(out.logDet());
        try (Result r = runner.run()) {
          assertThat(r.get(0).shape().asArray()).containsExactly(shape);
          assertThat(r.get(1).shape().asArray()).containsExactly(shape);
          double[] y = HostTensors.toDoubles(r.get(0));
          for (int i = 0; i < n; i++) {
            assertThat(y[i]).isCloseTo(new SplineReference(params, i * P, SPEC).forward(x[i])[0],
                org.assertj.core.api.Assertions.within(1e-12));
          }
        }
      }
    }
  }

  /** Draws from ½N(−1.5, 0.3²) + ½N(1.5, 0.3²). */
  static double[] bimodal(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = (r.nextBoolean() ? 1.5 : -1.5) + 0.3 * r.nextGaussian();
    }
    return v;
  }

  /** The mixture's differential entropy by quadrature: the lowest mean NLL any model can reach. */
  static double bimodalEntropy() {
    double entropy = 0;
    double dx = 1e-4;
    for (double x = -8; x < 8; x += dx) {
      double p = 0.5 * (Math.exp(-0.5 * Math.pow((x - 1.5) / 0.3, 2)) + Math.exp(-0.5 * Math.pow((x + 1.5) / 0.3, 2)))
          / (0.3 * Math.sqrt(2 * Math.PI));
      if (p > 0) {
        entropy -= p * Math.log(p) * dx;
      }
    }
    return entropy;
  }

  /**
   * One spline as a whole 1-D flow (standard normal base), its 23 raw parameters trained by plain gradient descent
   * through {@code tf.gradients} on fresh batches of a two-bump mixture: the held-out NLL must fall from the
   * identity's to within 0.1 nats of the mixture's entropy.
   */
  @Test
  void gradientDescentOnTheRawParametersFitsABimodalDensityToWithinATenthOfANatOfItsEntropy() {
    int batch = 512;
    int steps = 600;
    double learningRate = 0.5;
    try (GraphFixture g = new GraphFixture()) {
      org.tensorflow.op.core.Variable<TFloat64> raw = g.tf.variable(
          Tensors.constant(g.tf.withInitScope(), new double[P], new long[] {1, P}, TFloat64.class));
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class);
      Placeholder<TFloat64> ones = g.tf.placeholder(TFloat64.class);
      Operand<TFloat64> params = g.tf.linalg.matMul(ones, raw); // [n, 1] × [1, P]: every point shares the spline
      RationalQuadraticSplineTransform.Elementwise<TFloat64> z =
          RationalQuadraticSplineTransform.forward(g.tf, x, params, SPEC, TFloat64.class);
      Operand<TFloat64> nll = g.tf.math.mean(g.tf.math.sub(
          g.tf.math.add(g.tf.math.mul(g.tf.math.square(z.value()), Tensors.scalar(g.tf, 0.5, TFloat64.class)),
              Tensors.scalar(g.tf, 0.5 * Math.log(2 * Math.PI), TFloat64.class)), z.logDet()), g.tf.constant(0));
      @SuppressWarnings("unchecked")
      Operand<TFloat64> gradient = (Operand<TFloat64>) SafeGradients.gradientsOrZeros(g.tf, nll, List.of(raw)).get(0);
      org.tensorflow.op.Op update = g.tf.assign(raw,
          g.tf.math.sub(raw, g.tf.math.mul(gradient, Tensors.scalar(g.tf, learningRate, TFloat64.class))));

      double[] heldOut = bimodal(5000, -1);
      double initial = heldOutNll(g, nll, x, ones, heldOut);
      double[] onesBatch = new double[batch];
      java.util.Arrays.fill(onesBatch, 1);
      for (int step = 0; step < steps; step++) {
        try (var xt = HostTensors.of(TFloat64.class, bimodal(batch, step), batch);
            var ot = HostTensors.of(TFloat64.class, onesBatch, batch, 1)) {
          g.run(update, Map.of(x, xt, ones, ot));
        }
      }
      double trained = heldOutNll(g, nll, x, ones, heldOut);
      double entropy = bimodalEntropy();
      System.out.printf("one spline fitted to a two-bump mixture by %d gradient steps: held-out NLL %.4f -> %.4f "
          + "nats (entropy %.4f)%n", steps, initial, trained, entropy);
      assertThat(initial).isGreaterThan(entropy + 1.0);
      assertThat(trained).isLessThanOrEqualTo(entropy + 0.1);
    }
  }

  private static double heldOutNll(GraphFixture g, Operand<TFloat64> nll, Placeholder<TFloat64> x,
      Placeholder<TFloat64> ones, double[] values) {
    double[] onesValues = new double[values.length];
    java.util.Arrays.fill(onesValues, 1);
    try (var xt = HostTensors.of(TFloat64.class, values, values.length);
        var ot = HostTensors.of(TFloat64.class, onesValues, values.length, 1)) {
      return g.fetch(nll, Map.of(x, xt, ones, ot))[0];
    }
  }

  @Test
  void parametersOfTheWrongShapeAreRejectedWhenTheGraphIsBuilt() {
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1, 2)));
      Placeholder<TFloat64> tooFew = g.tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1, 2, 22)));
      Placeholder<TFloat64> flattened = g.tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1, 46)));
      Placeholder<TFloat64> otherWidth = g.tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1, 3, 23)));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> RationalQuadraticSplineTransform.forward(g.tf, x, tooFew, SPEC, TFloat64.class))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("spline parameters must have 23 values per scalar on their last axis (3 * bins - 1 for 8 bins), "
              + "but have shape [-1, 2, 22]");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> RationalQuadraticSplineTransform.inverse(g.tf, x, flattened, SPEC, TFloat64.class))
          .hasMessage("spline parameters must have 23 values per scalar on their last axis (3 * bins - 1 for 8 bins), "
              + "but have shape [-1, 46]");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> RationalQuadraticSplineTransform.forward(g.tf, x, otherWidth, SPEC, TFloat64.class))
          .hasMessage("spline parameters must have shape input + [23], but the input has shape [-1, 2] and the "
              + "parameters [-1, 3, 23]");
    }
  }

  @Test
  void float32RoundTripWithinFloatResolution() {
    int n = 4000;
    double[] params = gaussian(n * P, 1, 19);
    double[] x = uniform(n, -3.5, 3.5, 20);
    try (SplineGraph<TFloat32> s = new SplineGraph<>(TFloat32.class, SPEC)) {
      List<double[]> v = s.run(List.of(s.roundTrip.value(), s.forward.logDet(), s.roundTrip.logDet()), x, params);
      double worst = 0;
      double cancel = 0;
      for (int i = 0; i < n; i++) {
        double x32 = (float) x[i];
        // float32 y carries ~6e-8·|y| of rounding, which moves x by that over dy/dx.
        double slope = Math.exp(v.get(1)[i]);
        worst = Math.max(worst, Math.abs(v.get(0)[i] - x32) * Math.min(1, slope));
        if (slope >= 1e-2 && slope <= 1e2) {
          cancel = Math.max(cancel, Math.abs(v.get(1)[i] + v.get(2)[i]));
        }
      }
      System.out.printf("spline float32 round trip: max |x - x^|·min(1, dy/dx) %.3g, max |logdet_f + logdet_i| %.3g "
          + "where 1e-2 <= dy/dx <= 1e2%n", worst, cancel);
      assertThat(worst).isLessThanOrEqualTo(1e-5);
      assertThat(cancel).isLessThanOrEqualTo(1e-3);
    }
  }
}
