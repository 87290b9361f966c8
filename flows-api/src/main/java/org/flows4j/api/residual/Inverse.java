package org.flows4j.api.residual;

/** Factories for residual-block inverses. */
public final class Inverse {
  private Inverse() {}

  /** Fixed-point iteration with the Residual Flows defaults (atol 1e-5, rtol 1e-5, 100 iterations). */
  public static FixedPointInverse fixedPoint() {
    return FixedPointInverse.defaults();
  }
}
