package org.flows4j.api.step;

import java.util.List;
import org.flows4j.api.Shape;

/**
 * Glow's activation normalisation: a per-feature (per-channel) affine map {@code y = (x + b) · exp(logs)},
 * initialised from the first batch so that its output has zero mean and unit variance per feature.
 */
public record ActNorm() implements StepSpec {
  @Override
  public String kind() {
    return "actNorm";
  }

  @Override
  public List<String> problems(Shape input) {
    return List.of();
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.CONSTANT;
  }

  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }
}
