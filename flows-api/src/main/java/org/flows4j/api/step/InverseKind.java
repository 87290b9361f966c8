package org.flows4j.api.step;

/** How a step is inverted. */
public enum InverseKind {
  /** Closed form. */
  ANALYTIC,
  /** By an iterative method with a tolerance (fixed point, bisection). */
  ITERATIVE
}
