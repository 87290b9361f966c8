package org.flows4j.tf.data;

import java.util.SplittableRandom;

/** The variates the conditional toy densities draw, built from a {@link SplittableRandom}'s uniform doubles. */
final class ToyRandom {
  private ToyRandom() {}

  /** A standard normal variate (Box–Muller, cosine branch), independent of the JDK's Gaussian algorithm. */
  static double gaussian(SplittableRandom rng) {
    double u = 1.0 - rng.nextDouble(); // (0, 1], so the log is finite
    double v = rng.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * v);
  }

  static void checkCount(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 but was " + n);
    }
  }

  /** {@code log N(v; 0, σ²)} for one coordinate. */
  static double logNormal(double v, double sigma) {
    return -0.5 * (v / sigma) * (v / sigma) - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
  }
}
