package org.flows4j.api.context;

import com.google.common.base.Preconditions;

/**
 * A class label in {@code [0, classes)} per example (given as one number, the index), mapped to a learned embedding
 * of {@code embeddingFeatures} (one row per class, trained with the flow), then optionally through a shared
 * {@code encoder}.
 */
public record ClassContext(int classes, int embeddingFeatures, ContextEncoder encoder) implements ContextSpec {
  public ClassContext {
    Preconditions.checkArgument(classes >= 2, "classes must be at least 2, but was %s", classes);
    Preconditions.checkArgument(
        embeddingFeatures >= 1, "embeddingFeatures must be at least 1, but was %s", embeddingFeatures);
    Preconditions.checkNotNull(encoder, "encoder");
  }

  /** The same labels with a learned embedding of {@code features} per class: {@code classes(10).embedding(8)}. */
  public ClassContext embedding(int features) {
    return new ClassContext(classes, features, encoder);
  }

  /** The same context through another encoder, e.g. {@code ContextEncoder.mlp(16, 64)}. */
  public ClassContext encodedBy(ContextEncoder newEncoder) {
    return new ClassContext(classes, embeddingFeatures, newEncoder);
  }

  @Override
  public int inputWidth() {
    return 1;
  }

  @Override
  public int conditionFeatures() {
    return encoder.outputFeatures(embeddingFeatures);
  }
}
