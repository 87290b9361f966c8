package org.flows4j.api.context;

/** The contexts of conditional flows, for {@code .context(...)} on a flow builder; meant for static import. */
public final class Contexts {
  /** The embedding size of {@link #classes(int)}. */
  public static final int DEFAULT_EMBEDDING_FEATURES = 16;

  private Contexts() {}

  /** {@code k} real features per example, passed to the conditioners as they are. */
  public static FeatureContext features(int k) {
    return new FeatureContext(k, ContextEncoder.none());
  }

  /** A class label among {@code classes}, with a learned embedding of 16 features. */
  public static ClassContext classes(int classes) {
    return classes(classes, DEFAULT_EMBEDDING_FEATURES);
  }

  /** A class label among {@code classes}, with a learned embedding of {@code embeddingFeatures}. */
  public static ClassContext classes(int classes, int embeddingFeatures) {
    return new ClassContext(classes, embeddingFeatures, ContextEncoder.none());
  }
}
