package org.flows4j.tf;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.family.TFloating;

/**
 * ActNorm's data-dependent initialisation done by the first training step itself, as the official Glow and
 * Residual Flows code do it, instead of by a forward pass of its own before that step.
 *
 * <p>The training pass that collects into this object computes each ActNorm's batch statistics; until the layer's
 * flag is set, its output uses them (with the weights' gradient still flowing to the variables), so the first step's
 * loss and gradients are those the step would compute after a separate initialisation pass on the same batch. The
 * trainer fetches the {@link #statistics()} in that step and then runs {@link #assignments} with them fed, which
 * stores them and sets the flags: a run of a few small assignments instead of a whole forward pass (the paper's MNIST
 * Residual Flow: 52 blocks of width 512 at batch 64, 4.2–5.7 s in {@code StartupBreakdown}).
 *
 * <p>The assignments are a run of their own because a variable written while the same run still reads it would
 * race with those reads. A model is initialised this way only when every flag it has (a weight-normalised
 * conditioner's, the variational dequantizer's) registered here; otherwise the trainer runs the separate pass first,
 * which sets every flag and leaves this path inert.
 */
public final class FirstStepInitialization<T extends TFloating> {
  private final List<Variable<T>> targets = new ArrayList<>();
  private final List<Operand<T>> statistics = new ArrayList<>();
  private final List<Variable<TBool>> flags = new ArrayList<>();

  /** Records that {@code target} takes the value of {@code statistic} (computed by the step) once it has run. */
  public void add(Variable<T> target, Operand<T> statistic) {
    targets.add(target);
    statistics.add(statistic);
  }

  /** Records a layer's "initialised" flag, which the assignments set. */
  public void addFlag(Variable<TBool> flag) {
    flags.add(flag);
  }

  /** The values the first step computes for the targets, in the order of {@link #add}. */
  public List<Operand<T>> statistics() {
    return List.copyOf(statistics);
  }

  /** How many flags registered: the trainer compares this with the model's own count. */
  public int flagCount() {
    return flags.size();
  }

  /**
   * What the trainer runs: it fetches {@code statistics} in the first step, then runs {@code assignments} with them
   * fed.
   */
  public record Run<T extends TFloating>(List<Operand<T>> statistics, Op assignments) {
    public Run {
      statistics = List.copyOf(statistics);
    }
  }

  /** One op storing every statistic in its target and setting every flag; feed the statistics when running it. */
  public Op assignments(Ops tf) {
    List<Op> assigns = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      assigns.add(tf.assign(targets.get(i), statistics.get(i)));
    }
    for (Variable<TBool> flag : flags) {
      assigns.add(tf.assign(flag, tf.constant(true)));
    }
    return tf.withControlDependencies(assigns).noOp();
  }
}
