package org.flows4j.api.step;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.transform.CouplingTransform;

/**
 * A coupling: a {@link Mask} choosing the part that passes through, a conditioner reading it, and an elementwise
 * {@link CouplingTransform} applied to the other part with the conditioner's parameters (zuko's
 * {@code GeneralCouplingTransform}). {@link Coupling} is the general form; {@link AffineCoupling},
 * {@link AdditiveCoupling} and {@link MixtureLogisticsCoupling} are its named forms, kept because specs saved as
 * JSON use their names ({@code "affineCoupling"}), and compiled exactly as the general form with their
 * {@link #transform()}.
 */
public sealed interface CouplingStep extends StepSpec
    permits Coupling, AdditiveCoupling, AffineCoupling, MixtureLogisticsCoupling {
  Mask mask();

  ConditionerSpec conditioner();

  /** The elementwise transform of the transformed part. */
  CouplingTransform transform();

  @Override
  default List<String> problems(Shape input) {
    return CouplingRules.problems(mask(), conditioner(), input);
  }

  @Override
  default LogDetKind logDetKind() {
    return transform().logDetKind();
  }

  @Override
  default InverseKind inverseKind() {
    return transform().inverseKind();
  }
}
