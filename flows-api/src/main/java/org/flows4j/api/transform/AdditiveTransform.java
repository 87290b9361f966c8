package org.flows4j.api.transform;

import org.flows4j.api.step.InverseKind;
import org.flows4j.api.step.LogDetKind;

/** NICE's additive transform {@code y = x + t}: one parameter per scalar, volume preserving. */
public record AdditiveTransform() implements CouplingTransform {
  @Override
  public String kind() {
    return "additive";
  }

  @Override
  public int parametersPerScalar() {
    return 1;
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
