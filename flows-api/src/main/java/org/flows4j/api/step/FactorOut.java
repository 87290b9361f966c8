package org.flows4j.api.step;

import java.util.List;
import org.flows4j.api.Shape;

/**
 * Multi-scale split: the last {@code floor(c/2)} features (channels) leave the flow here and go straight to the
 * base distribution; the rest continue. Volume preserving.
 */
public record FactorOut() implements StepSpec {
  @Override
  public String kind() {
    return "factorOut";
  }

  /** How many features leave the flow for an input with {@code features} features. */
  public static int factoredFeatures(int features) {
    return features / 2;
  }

  @Override
  public Shape outputShape(Shape input) {
    return input.withFeatures(input.features() - factoredFeatures(input.features()));
  }

  @Override
  public boolean preservesShape() {
    return false;
  }

  @Override
  public List<String> problems(Shape input) {
    if (input.features() < 2) {
      return List.of("factorOut needs at least 2 " + (input.isImage() ? "channels" : "features")
          + " to keep one and factor one out, but the input is " + input
          + (input.isImage() ? ". Add squeeze() before it." : "."));
    }
    return List.of();
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.ZERO;
  }

  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }
}
