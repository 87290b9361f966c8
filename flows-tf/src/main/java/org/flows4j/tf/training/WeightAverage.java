package org.flows4j.tf.training;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.layers.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * Polyak / exponential moving average of the weights: {@code shadow ← shadow - (1 - d_t)(shadow - w)} with
 * {@code d_t = min(decay, (1 + t)/(10 + t))} (TensorFlow's num_updates warm-up, so early averages are not
 * dominated by the initial weights). Evaluation, sampling and export swap the shadows in and back out.
 *
 * <p>The shadows and the backups are each one flat vector over all the weights ({@link FlatLayout}): a deep flow's
 * thousands of weights then add two variables, not two per weight.
 */
final class WeightAverage<T extends TFloating> {
  private final double decay;
  private final Class<T> type;
  private final List<Variable<T>> weights;
  private final FlatLayout<T> layout;
  private final Variable<T> shadow;
  private final Variable<T> backup;

  WeightAverage(Ops tf, List<Variable<T>> weights, FlatLayout<T> layout, double decay, Class<T> type) {
    this.decay = decay;
    this.type = type;
    this.weights = weights;
    this.layout = layout;
    Ops init = tf.withInitScope();
    shadow = tf.withName("ema_shadow").variable(layout.zeros(init));
    backup = tf.withName("ema_backup").variable(layout.zeros(init));
  }

  /** The average itself, one flat vector in the layout's order. */
  Variable<T> shadow() {
    return shadow;
  }

  /**
   * The update after an optimizer step; {@code step} is the number of steps taken, after this one, and
   * {@code updatedWeights} the flat weights after it.
   */
  Op update(Ops tf, Operand<T> step, Operand<T> updatedWeights) {
    Operand<T> warm = tf.math.div(tf.math.add(step, scalar(tf, 1)), tf.math.add(step, scalar(tf, 10)));
    Operand<T> keep = tf.math.minimum(scalar(tf, decay), warm);
    Operand<T> rate = tf.math.sub(scalar(tf, 1), keep);
    return tf.assignSub(shadow, tf.math.mul(rate, tf.math.sub(shadow, updatedWeights)));
  }

  /**
   * Sets every shadow to its weight (after initialisation, so the average starts where training starts);
   * {@code weights} reads the flat weights.
   */
  Op sync(Ops tf, Operand<T> weights) {
    return tf.assign(shadow, weights);
  }

  /** Saves the weights (read by {@code weights}) into the backups, then loads the shadows into the weights. */
  Op swapIn(Ops tf, Operand<T> weights) {
    Op save = tf.assign(backup, weights);
    return loadAll(tf.withControlDependencies(List.of(save)), shadow);
  }

  /** Restores the weights from the backups. */
  Op swapOut(Ops tf) {
    return loadAll(tf, backup);
  }

  /** Assigns each weight its slice of {@code source}, read once (after {@code tf}'s control dependencies). */
  private Op loadAll(Ops tf, Variable<T> source) {
    List<Operand<T>> values = layout.split(tf, tf.identity(source));
    List<Op> loads = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      loads.add(tf.assign(weights.get(i), values.get(i)));
    }
    return tf.withControlDependencies(loads).noOp();
  }

  private Operand<T> scalar(Ops tf, double value) {
    return Tensors.scalar(tf, value, type);
  }
}
