package org.flows4j.api.context;

/** The raw context goes to the conditioners as it is. */
public record NoEncoder() implements ContextEncoder {
  @Override
  public int outputFeatures(int inputFeatures) {
    return inputFeatures;
  }
}
