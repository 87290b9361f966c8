package org.flows4j.api.step;

/** How a step is inverted. */
public enum InverseKind {
  /**
   * Closed form and exact. It may still be sequential: MAF's sampling and IAF's density evaluation run one network
   * pass per feature (per pixel for MAF on images).
   */
  ANALYTIC,
  /** By an iterative method with a tolerance (fixed point, bisection). */
  ITERATIVE
}
