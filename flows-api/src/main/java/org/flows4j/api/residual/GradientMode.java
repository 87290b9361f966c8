package org.flows4j.api.residual;

/** How the gradient of an estimated log-determinant is obtained. */
public enum GradientMode {
  /**
   * The Neumann-series gradient of Residual Flows: {@code ∂ log det(I + J) = E[(Σ_k (-1)^k vᵀJ^k / P(N ≥ k)) ∂J v]},
   * computed without backpropagating through the series: memory does not grow with the number of terms.
   */
  NEUMANN,
  /** Backpropagation through the unrolled series (i-ResNet): memory grows with the number of terms. */
  BACKPROP
}
