package org.flows4j.api.transform;

import org.flows4j.api.step.InverseKind;
import org.flows4j.api.step.LogDetKind;

/**
 * The monotone rational-quadratic spline of Durkan et al. 2019 ("Neural Spline Flows"), as an elementwise transform:
 * {@code bins} bins on {@code [-bound, bound]}, the identity outside ("linear tails"), and the derivative at
 * {@code ±bound} fixed at 1 so the map and its slope are continuous where the tails start.
 *
 * <p>Per transformed scalar the conditioner produces {@link #parametersPerScalar()} = {@code 3·bins − 1} raw values:
 * {@code bins} unnormalised widths, {@code bins} unnormalised heights and {@code bins − 1} unnormalised derivatives at
 * the interior knots. Widths and heights go through a softmax, then
 * {@code w = minBinWidth + (1 − minBinWidth·bins)·softmax(·)} (likewise for heights), as fractions of the interval
 * {@code 2·bound}; derivatives through {@code minDerivative + softplus(·)}.
 *
 * <p>Defaults and where they come from:
 * <ul>
 *   <li>{@code bins = 8} and {@code bound = 3}: the paper's code for its tabular experiments (bayesiains/nsf,
 *       {@code experiments/uci.py}: {@code num_bins = 8}, {@code tail_bound = 3}). nflows' own coupling class defaults
 *       to 10 bins on [-1, 1] and zuko to 8 bins on [-5, 5]; 3 suits standardised vectors.
 *   <li>{@code minBinWidth = minBinHeight = minDerivative = 1e-3}: nflows' {@code DEFAULT_MIN_BIN_WIDTH},
 *       {@code DEFAULT_MIN_BIN_HEIGHT} and {@code DEFAULT_MIN_DERIVATIVE}, the values the paper's code uses.
 * </ul>
 *
 * <p>As a {@link CouplingTransform} (JSON type {@code rationalQuadraticSpline}) it is the elementwise map of a spline
 * coupling ({@code splineCoupling(...)}, or {@code coupling(mask, conditioner, Transforms.spline())}) and of an
 * autoregressive spline step ({@code maf(order, conditioner, spline)}, {@code iaf(...)}): exact log-det, analytic
 * inverse.
 *
 * <p>Build it as {@code RationalQuadraticSpline.defaults().bins(10).bound(5)}: each named method returns a copy with
 * one setting changed (the canonical constructor is there for JSON).
 *
 * <p>Rules (each broken one throws at construction, naming the component, its value and the bound):
 * {@code bins ≥ 2} (one bin with both end derivatives fixed at 1 is the identity); {@code bound} positive and finite;
 * {@code minBinWidth} and {@code minBinHeight} positive with {@code min·bins < 1} (at {@code min·bins = 1} every bin
 * is forced to the same size and the widths no longer depend on the parameters); {@code minDerivative} positive and
 * finite.
 *
 * @param bins K, the number of bins on {@code [-bound, bound]}
 * @param bound B: the spline acts on {@code [-B, B]}, the identity elsewhere
 * @param minBinWidth the smallest bin width, as a fraction of {@code 2B}
 * @param minBinHeight the smallest bin height, as a fraction of {@code 2B}
 * @param minDerivative the smallest derivative at an interior knot
 */
public record RationalQuadraticSpline(
    int bins, double bound, double minBinWidth, double minBinHeight, double minDerivative)
    implements CouplingTransform {
  public static final int DEFAULT_BINS = 8;
  public static final double DEFAULT_BOUND = 3.0;
  public static final double DEFAULT_MIN_BIN_WIDTH = 1e-3;
  public static final double DEFAULT_MIN_BIN_HEIGHT = 1e-3;
  public static final double DEFAULT_MIN_DERIVATIVE = 1e-3;

  public RationalQuadraticSpline {
    if (bins < 2) {
      throw new IllegalArgumentException("bins must be at least 2 (one bin with both end derivatives fixed at 1 is "
          + "the identity), but was " + bins);
    }
    if (!(bound > 0) || Double.isInfinite(bound)) {
      throw new IllegalArgumentException("bound must be positive and finite, but was " + bound);
    }
    checkMinimum("minBinWidth", minBinWidth, bins);
    checkMinimum("minBinHeight", minBinHeight, bins);
    if (!(minDerivative > 0) || Double.isInfinite(minDerivative)) {
      throw new IllegalArgumentException("minDerivative must be positive and finite, but was " + minDerivative);
    }
  }

  /** 8 bins on [-3, 3], minimum width, height and derivative 1e-3 (see the class comment for their sources). */
  public static RationalQuadraticSpline defaults() {
    return new RationalQuadraticSpline(DEFAULT_BINS, DEFAULT_BOUND, DEFAULT_MIN_BIN_WIDTH, DEFAULT_MIN_BIN_HEIGHT,
        DEFAULT_MIN_DERIVATIVE);
  }

  /** The same spline with {@code k} bins. */
  public RationalQuadraticSpline bins(int k) {
    return new RationalQuadraticSpline(k, bound, minBinWidth, minBinHeight, minDerivative);
  }

  /** The same spline on {@code [-b, b]}. */
  public RationalQuadraticSpline bound(double b) {
    return new RationalQuadraticSpline(bins, b, minBinWidth, minBinHeight, minDerivative);
  }

  /** The same spline with another minimum bin width (a fraction of {@code 2·bound}). */
  public RationalQuadraticSpline minBinWidth(double value) {
    return new RationalQuadraticSpline(bins, bound, value, minBinHeight, minDerivative);
  }

  /** The same spline with another minimum bin height (a fraction of {@code 2·bound}). */
  public RationalQuadraticSpline minBinHeight(double value) {
    return new RationalQuadraticSpline(bins, bound, minBinWidth, value, minDerivative);
  }

  /** The same spline with another minimum interior derivative. */
  public RationalQuadraticSpline minDerivative(double value) {
    return new RationalQuadraticSpline(bins, bound, minBinWidth, minBinHeight, value);
  }

  /** Raw values per transformed scalar: K widths, K heights, K − 1 interior derivatives. */
  @Override
  public int parametersPerScalar() {
    return 3 * bins - 1;
  }

  @Override
  public String kind() {
    return "rationalQuadraticSpline";
  }

  /** Exact: the sum of the splines' log-derivatives. */
  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.EXACT;
  }

  /** Closed form: the stable root of a quadratic in the bin the value falls in. */
  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }

  private static void checkMinimum(String name, double value, int bins) {
    if (!(value > 0) || !(value * bins < 1)) {
      throw new IllegalArgumentException(name + " must be positive and below 1/bins = " + (1.0 / bins)
          + " (the " + bins + " bins share the interval), but was " + value);
    }
  }
}
