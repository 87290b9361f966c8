package org.flows4j.api.step;

/** How a step's log|det J| is obtained. */
public enum LogDetKind {
  /** Computed exactly, depends on the input. */
  EXACT,
  /** Exact and independent of the input (e.g. ActNorm, 1x1 convolutions). */
  CONSTANT,
  /** Volume preserving: always zero (additive coupling, permutations, squeeze). */
  ZERO,
  /** A stochastic estimate (residual blocks). */
  ESTIMATED
}
