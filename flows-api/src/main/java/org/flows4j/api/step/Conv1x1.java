package org.flows4j.api.step;

/** Parameterisation of an invertible 1x1 convolution (Glow). */
public enum Conv1x1 {
  /** A full matrix W, initialised to a random rotation; log-det through {@code log|det W|}. */
  PLAIN,
  /** {@code W = P·L·(U + diag(sign·exp(logs)))}: log-det is {@code Σ logs}, cheap and always invertible. */
  LU_DECOMPOSED,
  /**
   * {@code W = Q·(R_strict + diag(sign·exp(logs)))} (Hoogeboom et al., "Emerging Convolutions", 2019): Q orthogonal,
   * the product of {@code c} Householder reflections {@code I − 2vvᵀ/(vᵀv)} with learned vectors v, and R upper
   * triangular. Log-det is {@code Σ logs}; no permutation is fixed at initialisation.
   */
  QR
}
