package org.flows4j.api;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * A flow spec breaks one or more rules. Every problem is listed, not just the first, so one round of fixes is
 * enough:
 *
 * <pre>
 * Invalid flow spec (2 problems):
 *   levels[0].steps[0] (affineCoupling): the mask must leave both halves non-empty, ...
 *   steps[4] (squeeze): ...
 * </pre>
 */
public final class InvalidFlowSpecException extends IllegalArgumentException {
  private final ImmutableList<Problem> problems;

  public InvalidFlowSpecException(List<Problem> problems) {
    super(format(ImmutableList.copyOf(problems)));
    this.problems = ImmutableList.copyOf(problems);
  }

  /** The broken rules, in the order the spec was walked (flow-level rules first). Never empty. */
  public ImmutableList<Problem> problems() {
    return problems;
  }

  private static String format(ImmutableList<Problem> problems) {
    Preconditions.checkArgument(!problems.isEmpty(), "an InvalidFlowSpecException needs at least one problem");
    StringBuilder message = new StringBuilder("Invalid flow spec (")
        .append(problems.size())
        .append(problems.size() == 1 ? " problem):" : " problems):");
    for (Problem problem : problems) {
      message.append("\n  ").append(problem.describe());
    }
    return message.toString();
  }
}
