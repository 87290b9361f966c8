package org.flows4j.api.residual;

import com.google.common.base.Preconditions;

/**
 * Inverts {@code y = x + g(x)} by {@code x ← y - g(x)} from {@code x₀ = y - g(y)}, until every example satisfies
 * {@code L/(1 - L)·‖xₖ₊₁ - xₖ‖ ≤ atol + rtol·‖xₖ₊₁‖} ({@code L} the block's {@code lipschitzCoeff}, Euclidean norms
 * of one example), or {@code maxIterations}; not converging is an error, not a silent result. Converges
 * geometrically since {@code Lip(g) ≤ L < 1}.
 *
 * <p>The left side bounds the distance from {@code xₖ₊₁} to the exact inverse (the iteration is an
 * {@code L}-contraction), so {@code atol + rtol·‖x‖} bounds the error of each example in the Euclidean norm, and
 * so of each of its values. Departure from Residual Flows' code, which stops when the step itself is below the
 * tolerance: with {@code L = 0.98} the error can then be 49 times the tolerance (1.7e-3 was seen on a trained
 * model). The measured step cannot go below round-off, so the compiled loop adds its floor,
 * {@code L/(1 - L)·4ε} (2.3e-5 in float32 at {@code L = 0.98}), to {@code rtol}.
 */
public record FixedPointInverse(double atol, double rtol, int maxIterations) {
  public FixedPointInverse {
    // Infinite tolerances would accept the first iterate whatever it is: a silent wrong inverse.
    Preconditions.checkArgument(atol >= 0 && rtol >= 0 && atol + rtol > 0 && Double.isFinite(atol + rtol),
        "atol and rtol must be finite, >= 0 and not both 0, but were %s and %s", atol, rtol);
    Preconditions.checkArgument(maxIterations >= 1, "maxIterations must be at least 1, but was %s", maxIterations);
  }

  /** The Residual Flows defaults: atol 1e-5, rtol 1e-5, at most 100 iterations. */
  public static FixedPointInverse defaults() {
    return new FixedPointInverse(1e-5, 1e-5, 100);
  }

  public FixedPointInverse atol(double value) {
    return new FixedPointInverse(value, rtol, maxIterations);
  }

  public FixedPointInverse rtol(double value) {
    return new FixedPointInverse(atol, value, maxIterations);
  }

  public FixedPointInverse maxIterations(int value) {
    return new FixedPointInverse(atol, rtol, value);
  }
}
