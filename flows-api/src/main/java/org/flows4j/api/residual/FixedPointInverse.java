package org.flows4j.api.residual;

import com.google.common.base.Preconditions;

/**
 * Inverts {@code y = x + g(x)} by {@code x ← y - g(x)} from {@code x₀ = y - g(y)}, until
 * {@code max|xₖ₊₁ - xₖ| ≤ atol + rtol·max|xₖ₊₁|} or {@code maxIterations}; not converging is an error, not a silent
 * result. Converges geometrically since {@code Lip(g) < 1}.
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
