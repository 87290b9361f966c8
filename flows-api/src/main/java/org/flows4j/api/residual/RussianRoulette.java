package org.flows4j.api.residual;

import com.google.common.base.Preconditions;

/**
 * Residual Flows' unbiased estimator: {@code exactTerms} terms always, then {@code N} more, N drawn from
 * {@code distribution} once per batch (as the reference implementation does); term k is weighted by
 * {@code 1/P(N ≥ k - exactTerms)}, which makes the expectation the full series. One Hutchinson probe
 * {@code v ~ N(0, I)} per example. The number of terms is random, so the series runs in a graph while loop (no cap
 * on N).
 *
 * @param parameter p for GEOMETRIC (in (0, 1)), λ for POISSON (positive)
 */
public record RussianRoulette(TermDistribution distribution, double parameter, int exactTerms, GradientMode gradient)
    implements LogDetEstimator {
  public RussianRoulette {
    Preconditions.checkNotNull(distribution, "distribution");
    Preconditions.checkNotNull(gradient, "gradient");
    if (distribution == TermDistribution.GEOMETRIC) {
      Preconditions.checkArgument(parameter > 0 && parameter < 1,
          "the geometric parameter p must be in (0, 1), but was %s", parameter);
    } else {
      Preconditions.checkArgument(parameter > 0 && Double.isFinite(parameter),
          "the Poisson parameter λ must be positive and finite, but was %s", parameter);
    }
    Preconditions.checkArgument(exactTerms >= 0, "exactTerms must be >= 0, but was %s", exactTerms);
  }

  public RussianRoulette exactTerms(int n) {
    return new RussianRoulette(distribution, parameter, n, gradient);
  }

  public RussianRoulette neumannGradient() {
    return new RussianRoulette(distribution, parameter, exactTerms, GradientMode.NEUMANN);
  }

  public RussianRoulette backpropGradient() {
    return new RussianRoulette(distribution, parameter, exactTerms, GradientMode.BACKPROP);
  }
}
