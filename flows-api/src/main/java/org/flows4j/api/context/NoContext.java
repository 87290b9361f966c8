package org.flows4j.api.context;

/** An unconditional flow. */
public record NoContext() implements ContextSpec {
  @Override
  public int inputWidth() {
    return 0;
  }

  @Override
  public int conditionFeatures() {
    return 0;
  }
}
