package org.flows4j.api.step;

import java.util.Objects;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.transform.AffineTransform;

/**
 * RealNVP / Glow affine coupling: {@code y_b = s(x_a) ⊙ x_b + t(x_a)}, log-det {@code Σ log s}. The conditioner's
 * widths are its own; its input and output sizes are derived from the mask.
 */
public record AffineCoupling(Mask mask, ConditionerSpec conditioner, AffineScale scale) implements CouplingStep {
  public AffineCoupling {
    Objects.requireNonNull(mask, "mask");
    Objects.requireNonNull(conditioner, "conditioner");
    Objects.requireNonNull(scale, "scale");
  }

  @Override
  public String kind() {
    return "affineCoupling";
  }

  @Override
  public AffineTransform transform() {
    return new AffineTransform(scale);
  }
}
