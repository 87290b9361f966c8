package org.flows4j.api.step;

import java.util.Objects;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.transform.AdditiveTransform;

/** NICE's additive coupling: {@code y_b = x_b + t(x_a)}; volume preserving. */
public record AdditiveCoupling(Mask mask, ConditionerSpec conditioner) implements CouplingStep {
  public AdditiveCoupling {
    Objects.requireNonNull(mask, "mask");
    Objects.requireNonNull(conditioner, "conditioner");
  }

  @Override
  public String kind() {
    return "additiveCoupling";
  }

  @Override
  public AdditiveTransform transform() {
    return new AdditiveTransform();
  }
}
