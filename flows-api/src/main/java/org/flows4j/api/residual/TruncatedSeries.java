package org.flows4j.api.residual;

import com.google.common.base.Preconditions;

/**
 * i-ResNet's biased estimator: {@code Σ_{k=1..terms} (-1)^(k+1)/k · vᵀJ^k v}, one Hutchinson probe
 * {@code v ~ N(0, I)} per example.
 */
public record TruncatedSeries(int terms, GradientMode gradient) implements LogDetEstimator {
  public TruncatedSeries {
    Preconditions.checkArgument(terms >= 1, "terms must be at least 1, but was %s", terms);
    Preconditions.checkNotNull(gradient, "gradient");
  }

  public TruncatedSeries neumannGradient() {
    return new TruncatedSeries(terms, GradientMode.NEUMANN);
  }

  public TruncatedSeries backpropGradient() {
    return new TruncatedSeries(terms, GradientMode.BACKPROP);
  }
}
