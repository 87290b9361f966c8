package org.flows4j.api.residual;

/** Factories for {@link LogDetEstimator}s. */
public final class LogDet {
  private LogDet() {}

  /** The brute-force Jacobian's log-determinant (inputs of at most 64 values). */
  public static ExactLogDet exact() {
    return new ExactLogDet();
  }

  /** i-ResNet's truncated power series with {@code terms} terms, backpropagated (its paper's gradient). */
  public static TruncatedSeries truncatedSeries(int terms) {
    return new TruncatedSeries(terms, GradientMode.BACKPROP);
  }

  /**
   * Residual Flows' unbiased estimator with {@code N ~ Geometric(p)}, 2 exact terms and the Neumann gradient (the
   * paper's defaults: p = 0.5).
   */
  public static RussianRoulette russianRoulette(double p) {
    return new RussianRoulette(TermDistribution.GEOMETRIC, p, 2, GradientMode.NEUMANN);
  }

  /** The unbiased estimator with {@code N ~ Poisson(λ)}, 2 exact terms and the Neumann gradient. */
  public static RussianRoulette russianRoulettePoisson(double lambda) {
    return new RussianRoulette(TermDistribution.POISSON, lambda, 2, GradientMode.NEUMANN);
  }
}
