package org.flows4j.api;

import java.util.Objects;

/**
 * One broken rule in a flow spec.
 *
 * @param location where: {@code steps[i]}, {@code levels[l].steps[i]}, {@code flow} for rules about the whole flow,
 *     or under {@code dequantization} for the dequantization flow ({@code dequantization.flow.steps[i]})
 * @param stepKind the step's DSL name ({@code affineCoupling}), or {@code flow}
 * @param message the rule, what it got, and how to fix it
 */
public record Problem(String location, String stepKind, String message) {
  public Problem {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(stepKind, "stepKind");
    Objects.requireNonNull(message, "message");
  }

  /** A rule about the whole flow rather than one step. */
  static Problem ofFlow(String message) {
    return new Problem("flow", "flow", message);
  }

  /** One line of {@link InvalidFlowSpecException}'s message: {@code location (stepKind): message}. */
  public String describe() {
    return location + " (" + stepKind + "): " + message;
  }
}
