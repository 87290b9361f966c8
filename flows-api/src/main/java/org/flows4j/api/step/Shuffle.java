package org.flows4j.api.step;

import java.util.List;
import org.flows4j.api.Shape;

/** A fixed random permutation of the features (channels for images), drawn from {@code seed}. */
public record Shuffle(long seed) implements StepSpec {
  @Override
  public String kind() {
    return "shuffle";
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
