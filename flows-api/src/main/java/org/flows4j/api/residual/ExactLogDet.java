package org.flows4j.api.residual;

/**
 * The brute-force Jacobian (one vector–Jacobian product per dimension) and its log-determinant; small inputs only
 * (2-D densities, tests).
 */
public record ExactLogDet() implements LogDetEstimator {
  /** The largest input (values per example) for which the brute-force Jacobian is allowed. */
  public static final int MAX_FEATURES = 64;
}
