package org.flows4j.api.transform;

import java.util.Objects;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.InverseKind;
import org.flows4j.api.step.LogDetKind;

/**
 * The affine transform of RealNVP and Glow: a shift {@code t} and a positive scale {@code s} from {@code scale}
 * per scalar. With {@link AffineScale.Kind#EXP_SOFT_CLAMP} (RealNVP) {@code y = x·s + t}; with
 * {@link AffineScale.Kind#SIGMOID} (Glow's code) {@code y = (x + t)·s}. Log-det {@code Σ log s}.
 */
public record AffineTransform(AffineScale scale) implements CouplingTransform {
  public AffineTransform {
    Objects.requireNonNull(scale, "scale");
  }

  @Override
  public String kind() {
    return "affine";
  }

  @Override
  public int parametersPerScalar() {
    return 2;
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.EXACT;
  }

  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }
}
