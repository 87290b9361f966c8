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
 */
final class WeightAverage<T extends TFloating> {
  private final double decay;
  private final Class<T> type;
  private final List<Variable<T>> weights;
  private final List<Variable<T>> shadows = new ArrayList<>();
  private final List<Variable<T>> backups = new ArrayList<>();

  WeightAverage(Ops tf, List<Variable<T>> weights, double decay, Class<T> type) {
    this.decay = decay;
    this.type = type;
    this.weights = weights;
    Ops init = tf.withInitScope();
    for (int i = 0; i < weights.size(); i++) {
      Operand<T> zeros = Tensors.zeros(init, weights.get(i).shape().asArray(), type);
      // withName, not withSubScope: a sub-scope scans the whole graph, once per variable here.
      shadows.add(tf.withName("ema_" + i + "_shadow").variable(zeros));
      backups.add(tf.withName("ema_" + i + "_backup").variable(zeros));
    }
  }

  /** The update after an optimizer step; {@code step} is the number of steps taken, after this one. */
  Op update(Ops tf, Operand<T> step) {
    Operand<T> warm = tf.math.div(tf.math.add(step, scalar(tf, 1)), tf.math.add(step, scalar(tf, 10)));
    Operand<T> keep = tf.math.minimum(scalar(tf, decay), warm);
    Operand<T> rate = tf.math.sub(scalar(tf, 1), keep);
    List<Op> updates = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      Variable<T> shadow = shadows.get(i);
      updates.add(tf.assignSub(shadow, tf.math.mul(rate, tf.math.sub(shadow, weights.get(i)))));
    }
    return tf.withControlDependencies(updates).noOp();
  }

  /** Sets every shadow to its weight (after initialisation, so the average starts where training starts). */
  Op sync(Ops tf) {
    List<Op> assigns = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      assigns.add(tf.assign(shadows.get(i), weights.get(i)));
    }
    return tf.withControlDependencies(assigns).noOp();
  }

  /** Saves the weights into the backups, then loads the shadows into the weights. */
  Op swapIn(Ops tf) {
    List<Op> saves = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      saves.add(tf.assign(backups.get(i), weights.get(i)));
    }
    // One barrier op, not the saves themselves, as every load's control input: with the saves the graph got
    // 2·N² control edges (N weights), which made this method 89% of the 100-block toy model's graph construction.
    Ops afterSaves = tf.withControlDependencies(List.of(tf.withControlDependencies(saves).noOp()));
    List<Op> loads = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      loads.add(afterSaves.assign(weights.get(i), afterSaves.identity(shadows.get(i))));
    }
    return tf.withControlDependencies(loads).noOp();
  }

  /** Restores the weights from the backups. */
  Op swapOut(Ops tf) {
    List<Op> restores = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      restores.add(tf.assign(weights.get(i), backups.get(i)));
    }
    return tf.withControlDependencies(restores).noOp();
  }

  private Operand<T> scalar(Ops tf, double value) {
    return Tensors.scalar(tf, value, type);
  }
}
