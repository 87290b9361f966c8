package org.flows4j.examples.sbi;

import java.util.SplittableRandom;

/**
 * A simulator for neural posterior estimation with a known answer: a 2-D parameter {@code θ ~ N(0, τ² I)} and an
 * observation {@code x = A θ + σ ε}, {@code ε ~ N(0, I)}. It is a two-dimensional, correlated variant of the
 * "Gaussian linear" task of the SBI benchmark (Lueckmann et al. 2021, where A = I in ten dimensions): with a
 * non-diagonal A the posterior is a tilted ellipse, which a flow must learn to rotate with x.
 *
 * <p>The posterior is Gaussian: precision {@code Λ = I/τ² + AᵀA/σ²}, covariance {@code Σ = Λ⁻¹} (the same for
 * every x), mean {@code m(x) = Σ Aᵀ x / σ²}. {@link #posterior(double[])} gives it, so samples of a fitted
 * conditional flow can be compared with exact ones.
 *
 * @param a the 2×2 forward matrix, row-major {@code {a00, a01, a10, a11}}
 * @param priorScale τ
 * @param noiseScale σ
 */
public record GaussianLinearSimulator(double[] a, double priorScale, double noiseScale) {
  public GaussianLinearSimulator {
    if (a.length != 4) {
      throw new IllegalArgumentException("a must hold the 4 entries of a 2x2 matrix, but has " + a.length);
    }
    if (!(priorScale > 0) || Double.isInfinite(priorScale)) {
      throw new IllegalArgumentException("priorScale must be positive and finite, but was " + priorScale);
    }
    if (!(noiseScale > 0) || Double.isInfinite(noiseScale)) {
      throw new IllegalArgumentException("noiseScale must be positive and finite, but was " + noiseScale);
    }
    a = a.clone();
  }

  /** {@code A = [[1, 0.8], [−0.6, 1]]}, τ = 1, σ = 0.5: a posterior clearly narrower than the prior, and tilted. */
  public static GaussianLinearSimulator standard() {
    return new GaussianLinearSimulator(new double[] {1.0, 0.8, -0.6, 1.0}, 1.0, 0.5);
  }

  @Override
  public double[] a() {
    return a.clone();
  }

  /** {@code n} simulated pairs, row-major: {@code theta} and {@code x} both {@code n × 2}. */
  public record Simulations(double[] theta, double[] x, int n) {}

  /** Draws θ from the prior and x from the simulator, {@code n} times; the same seed gives the same pairs. */
  Simulations simulate(int n, long seed) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, but was " + n);
    }
    SplittableRandom rng = new SplittableRandom(seed);
    double[] theta = new double[2 * n];
    double[] x = new double[2 * n];
    for (int i = 0; i < n; i++) {
      double t0 = priorScale * gaussian(rng);
      double t1 = priorScale * gaussian(rng);
      theta[2 * i] = t0;
      theta[2 * i + 1] = t1;
      x[2 * i] = a[0] * t0 + a[1] * t1 + noiseScale * gaussian(rng);
      x[2 * i + 1] = a[2] * t0 + a[3] * t1 + noiseScale * gaussian(rng);
    }
    return new Simulations(theta, x, n);
  }

  /** The exact posterior p(θ | x): a Gaussian with the mean and covariance given in the class comment. */
  public Posterior posterior(double[] x) {
    if (x.length != 2) {
      throw new IllegalArgumentException("x must have 2 values, but has " + x.length);
    }
    double s2 = noiseScale * noiseScale;
    double t2 = priorScale * priorScale;
    // Λ = I/τ² + AᵀA/σ², symmetric 2×2.
    double l00 = 1 / t2 + (a[0] * a[0] + a[2] * a[2]) / s2;
    double l01 = (a[0] * a[1] + a[2] * a[3]) / s2;
    double l11 = 1 / t2 + (a[1] * a[1] + a[3] * a[3]) / s2;
    double det = l00 * l11 - l01 * l01;
    double[] covariance = {l11 / det, -l01 / det, -l01 / det, l00 / det};
    double b0 = (a[0] * x[0] + a[2] * x[1]) / s2;
    double b1 = (a[1] * x[0] + a[3] * x[1]) / s2;
    double[] mean = {covariance[0] * b0 + covariance[1] * b1, covariance[2] * b0 + covariance[3] * b1};
    return new Posterior(mean, covariance);
  }

  /**
   * A 2-D Gaussian.
   *
   * @param mean {@code [2]}
   * @param covariance row-major {@code [2 × 2]}, symmetric positive definite
   */
  public record Posterior(double[] mean, double[] covariance) {
    public Posterior {
      mean = mean.clone();
      covariance = covariance.clone();
    }

    @Override
    public double[] mean() {
      return mean.clone();
    }

    @Override
    public double[] covariance() {
      return covariance.clone();
    }

    /** The lower Cholesky factor {@code L} with {@code L Lᵀ = Σ}, row-major {@code {l00, 0, l10, l11}}. */
    public double[] choleskyFactor() {
      double l00 = Math.sqrt(covariance[0]);
      double l10 = covariance[2] / l00;
      double l11 = Math.sqrt(covariance[3] - l10 * l10);
      return new double[] {l00, 0, l10, l11};
    }

    /** {@code log N(θ; mean, Σ)} in nats. */
    public double logDensity(double[] theta) {
      double[] l = choleskyFactor();
      double z0 = (theta[0] - mean[0]) / l[0];
      double z1 = (theta[1] - mean[1] - l[2] * z0) / l[3];
      return -0.5 * (z0 * z0 + z1 * z1) - Math.log(l[0] * l[3]) - Math.log(2 * Math.PI);
    }

    /** {@code n} exact posterior samples, row-major {@code n × 2}. */
    double[] sample(int n, long seed) {
      double[] l = choleskyFactor();
      SplittableRandom rng = new SplittableRandom(seed);
      double[] out = new double[2 * n];
      for (int i = 0; i < n; i++) {
        double z0 = gaussian(rng);
        double z1 = gaussian(rng);
        out[2 * i] = mean[0] + l[0] * z0;
        out[2 * i + 1] = mean[1] + l[2] * z0 + l[3] * z1;
      }
      return out;
    }
  }

  /** A standard normal variate (Box–Muller) from the generator's uniform doubles. */
  private static double gaussian(SplittableRandom rng) {
    double u = 1.0 - rng.nextDouble();
    double v = rng.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
  }
}
