package org.flows4j.api.residual;

/** The distribution of the random number of extra series terms in the Russian-roulette estimator. */
public enum TermDistribution {
  /** {@code N ~ Geometric(p)} on {1, 2, …}: {@code P(N ≥ k) = (1 - p)^(k-1)}. */
  GEOMETRIC,
  /** {@code N ~ Poisson(λ)} on {0, 1, …}: {@code P(N ≥ k) = 1 - Σ_{i<k} e^-λ λ^i / i!}. */
  POISSON
}
