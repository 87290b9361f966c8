package org.flows4j.api.step;

/** Parameterisation of an invertible 1x1 convolution (Glow). */
public enum Conv1x1 {
  /** A full matrix W, initialised to a random rotation; log-det through {@code log|det W|}. */
  PLAIN,
  /** {@code W = P·L·(U + diag(sign·exp(logs)))}: log-det is {@code Σ logs}, cheap and always invertible. */
  LU_DECOMPOSED
}
