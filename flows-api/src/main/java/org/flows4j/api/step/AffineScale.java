package org.flows4j.api.step;

import com.google.common.base.Preconditions;

/**
 * How an affine coupling turns the conditioner's raw output {@code h} into a positive scale.
 *
 * <ul>
 *   <li>{@link Kind#EXP_SOFT_CLAMP}: {@code s = exp(bound · tanh(h / bound))} (RealNVP's tanh-bounded log-scale,
 *       soft-clamped so the log-scale stays in {@code (-bound, bound)}).
 *   <li>{@link Kind#SIGMOID}: {@code s = sigmoid(h + 2)} (Glow's code; starts near identity, never explodes).
 * </ul>
 */
public record AffineScale(Kind kind, double bound) {
  public enum Kind {
    EXP_SOFT_CLAMP,
    SIGMOID
  }

  public AffineScale {
    Preconditions.checkNotNull(kind, "kind");
    Preconditions.checkArgument(
        bound > 0 && Double.isFinite(bound), "bound must be positive and finite, but was %s", bound);
  }

  /** RealNVP-style: log-scale soft-clamped to (-bound, bound). */
  public static AffineScale expSoftClamp(double bound) {
    return new AffineScale(Kind.EXP_SOFT_CLAMP, bound);
  }

  /** Glow-style {@code sigmoid(h + 2)}. */
  public static AffineScale sigmoid() {
    return new AffineScale(Kind.SIGMOID, 1.0);
  }
}
