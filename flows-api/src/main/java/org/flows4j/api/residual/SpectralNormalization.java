package org.flows4j.api.residual;

import com.google.common.base.Preconditions;

/**
 * Each weight is used as {@code W / max(1, σ(W)/coeff)}, σ estimated by power iteration with persistent vectors;
 * the estimate is refreshed after every optimizer step until it moves less than {@code tolerance} (relative), at
 * most {@code maxIterations} times. For convolutions the iteration runs on the convolution operator itself.
 *
 * @param coeff the bound on each layer's Lipschitz constant; must be in (0, 1) for the block to be invertible
 *     (checked when the flow is built, with the other rules)
 */
public record SpectralNormalization(double coeff, double tolerance, int maxIterations) {
  public SpectralNormalization {
    Preconditions.checkArgument(coeff > 0 && Double.isFinite(coeff),
        "lipschitzCoeff must be positive and finite, but was %s", coeff);
    Preconditions.checkArgument(tolerance > 0, "tolerance must be positive, but was %s", tolerance);
    Preconditions.checkArgument(maxIterations >= 1, "maxIterations must be at least 1, but was %s",
        maxIterations);
  }

  /** The Residual Flows defaults: coeff 0.98, tolerance 1e-3, at most 20 iterations per update. */
  public static SpectralNormalization defaults() {
    return new SpectralNormalization(0.98, 1e-3, 20);
  }

  public SpectralNormalization withCoeff(double newCoeff) {
    return new SpectralNormalization(newCoeff, tolerance, maxIterations);
  }
}
