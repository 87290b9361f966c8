package org.flows4j.api.step;

import java.util.List;
import org.flows4j.api.Shape;

/** Reverses the order of the features (channels for images), as in RealNVP. */
public record Reverse() implements StepSpec {
  @Override
  public String kind() {
    return "reverse";
  }

  @Override
  public List<String> problems(Shape input) {
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
