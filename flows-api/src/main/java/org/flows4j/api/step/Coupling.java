package org.flows4j.api.step;

import java.util.Objects;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.transform.CouplingTransform;

/**
 * A coupling with any elementwise transform: {@code y_b = τ(x_b; θ(x_a))}, {@code y_a = x_a}, with the parts chosen
 * by {@code mask} and θ computed by {@code conditioner}, whose input and output sizes the step derives.
 */
public record Coupling(Mask mask, ConditionerSpec conditioner, CouplingTransform transform) implements CouplingStep {
  public Coupling {
    Objects.requireNonNull(mask, "mask");
    Objects.requireNonNull(conditioner, "conditioner");
    Objects.requireNonNull(transform, "transform");
  }

  @Override
  public String kind() {
    return "coupling";
  }
}
