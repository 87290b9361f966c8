package org.flows4j.api.step;

import java.util.List;
import java.util.Objects;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.ConditionerSpec;

/** NICE's additive coupling: {@code y_b = x_b + t(x_a)}; volume preserving. */
public record AdditiveCoupling(Mask mask, ConditionerSpec conditioner) implements StepSpec {
  public AdditiveCoupling {
    Objects.requireNonNull(mask, "mask");
    Objects.requireNonNull(conditioner, "conditioner");
  }

  @Override
  public String kind() {
    return "additiveCoupling";
  }

  @Override
  public List<String> problems(Shape input) {
    return CouplingRules.problems(mask, conditioner, input);
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
