package org.flows4j.tf;

/**
 * Where a compiled step sits in its spec, as one value: {@code levels[0].steps[2] (actNorm)}, {@code steps[3]
 * (affineCoupling)}, or inside the dequantization flow {@code dequantization.flow.steps[1] (coupling)}.
 *
 * @param scope what the spec's steps sit in, ending with a dot ({@code "dequantization.flow."}), or {@code ""} for
 *     the flow itself
 * @param level the level's index in a multi-scale flow, or {@code -1} in a sequential one
 * @param step the step's index within its level (or within the flow's steps)
 * @param kind the step's DSL name ({@code affineCoupling})
 */
public record StepLocation(String scope, int level, int step, String kind) {
  /** A step of a sequential flow. */
  public static StepLocation sequential(int step, String kind) {
    return new StepLocation("", -1, step, kind);
  }

  /** A step of a multi-scale flow. */
  static StepLocation multiscale(int level, int step, String kind) {
    return new StepLocation("", level, step, kind);
  }

  /** This location inside {@code outer}, e.g. {@code "dequantization.flow."}. */
  public StepLocation within(String outer) {
    return new StepLocation(outer + scope, level, step, kind);
  }

  /** The path in the DSL's words, without the kind: {@code levels[0].steps[2]}. */
  public String path() {
    return scope + (level >= 0 ? "levels[" + level + "]." : "") + "steps[" + step + "]";
  }

  /** The path and kind: {@code levels[0].steps[2] (actNorm)}, as validation messages name steps. */
  @Override
  public String toString() {
    return path() + " (" + kind + ")";
  }
}
