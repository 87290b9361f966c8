package org.flows4j.api.context;

import com.google.common.base.Preconditions;

/**
 * A context of {@code features} real numbers per example (a simulator's parameters, a continuous index), passed to
 * the conditioners as they are or through a shared {@code encoder}.
 */
public record FeatureContext(int features, ContextEncoder encoder) implements ContextSpec {
  public FeatureContext {
    Preconditions.checkArgument(features >= 1, "features must be at least 1, but was %s", features);
    Preconditions.checkNotNull(encoder, "encoder");
  }

  /** The same context through another encoder, e.g. {@code ContextEncoder.mlp(16, 64)}. */
  public FeatureContext encodedBy(ContextEncoder newEncoder) {
    return new FeatureContext(features, newEncoder);
  }

  @Override
  public int inputWidth() {
    return features;
  }

  @Override
  public int conditionFeatures() {
    return encoder.outputFeatures(features);
  }
}
