package org.flows4j.api.step;

import java.util.List;
import java.util.Objects;
import org.flows4j.api.Shape;

/**
 * Glow's invertible 1x1 convolution: the same invertible matrix applied to the feature vector at every position.
 * On a vector input it is an invertible linear layer.
 */
public record InvertibleConv1x1(Conv1x1 parameterization) implements StepSpec {
  public InvertibleConv1x1 {
    Objects.requireNonNull(parameterization, "parameterization");
  }

  @Override
  public String kind() {
    return "invertibleConv1x1";
  }

  @Override
  public List<String> problems(Shape input) {
    if (input.rank() != 1 && input.rank() != 3) {
      return List.of("invertibleConv1x1 needs a vector or an image input, but the input is " + input + ".");
    }
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
