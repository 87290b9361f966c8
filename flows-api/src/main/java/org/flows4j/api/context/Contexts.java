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

  /**
   * A class label among {@code classes}, with a learned embedding of 16 features; another size by name:
   * {@code classes(10).embedding(8)}.
   */
  public static ClassContext classes(int classes) {
    return new ClassContext(classes, DEFAULT_EMBEDDING_FEATURES, ContextEncoder.none());
  }
}
