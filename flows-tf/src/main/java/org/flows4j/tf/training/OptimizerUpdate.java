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
 * Builds one optimizer update through TensorFlow's fused kernels ({@code ApplyAdam}, {@code ApplyAdaMax}) with
 * the learning-rate schedule computed in the graph from the step counter. Slots and the counter are variables, so
 * checkpoints carry them.
 */
final class OptimizerUpdate<T extends TFloating> {
  private final TrainingOptions options;
  private final Class<T> type;
  private final Variable<T> step;

  OptimizerUpdate(Ops tf, TrainingOptions options, Class<T> type) {
    this.options = options;
    this.type = type;
    this.step = tf.withName("optimizer_step").variable(Tensors.scalar(tf.withInitScope(), 0.0, type));
  }

  /** Optimizer steps taken so far (a float variable, exact up to 2^24 in float32). */
  Variable<T> step() {
    return step;
  }

  /**
   * The learning rate at the current step: linear warm-up {@code lr·(t+1)/warmup}, then constant or cosine decay
   * {@code lr·½(1 + cos(π·min(1, (t - warmup)/(total - warmup))))}.
   */
  Operand<T> learningRate(Ops tf) {
    Operand<T> base = scalar(tf, options.learningRate());
    Operand<T> rate = base;
    if (options.warmupSteps() > 0) {
      Operand<T> warm = tf.math.div(tf.math.add(step, scalar(tf, 1)), scalar(tf, options.warmupSteps()));
      rate = tf.math.mul(base, tf.math.minimum(warm, scalar(tf, 1)));
    }
    if (options.schedule() == LearningRateSchedule.COSINE) {
      double span = options.totalSteps() - options.warmupSteps();
      Operand<T> progress = tf.math.div(tf.math.sub(step, scalar(tf, options.warmupSteps())), scalar(tf, span));
      Operand<T> clipped = tf.math.minimum(tf.math.maximum(progress, scalar(tf, 0)), scalar(tf, 1));
      Operand<T> cosine = tf.math.mul(scalar(tf, 0.5),
          tf.math.add(scalar(tf, 1), tf.math.cos(tf.math.mul(clipped, scalar(tf, Math.PI)))));
      rate = tf.math.mul(rate, cosine);
    }
    return rate;
  }

  /** Applies {@code gradients[i]} to {@code variables[i]} and advances the step counter. */
  Op apply(Ops tf, List<Variable<T>> variables, List<Operand<T>> gradients) {
    Ops scope = tf.withSubScope("optimizer");
    Ops init = tf.withInitScope();
    Operand<T> t = scope.math.add(step, scalar(scope, 1));
    Operand<T> beta1Power = scope.math.pow(scalar(scope, options.beta1()), t);
    Operand<T> beta2Power = scope.math.pow(scalar(scope, options.beta2()), t);
    Operand<T> lr = learningRate(scope);
    Operand<T> beta1 = scalar(scope, options.beta1());
    Operand<T> beta2 = scalar(scope, options.beta2());
    Operand<T> epsilon = scalar(scope, options.epsilon());
    List<Op> updates = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      Variable<T> variable = variables.get(i);
      // Zeros of the variable's static shape: an initialiser must not read another variable.
      Operand<T> zeros = Tensors.zeros(init, variable.shape().asArray(), type);
      // withName, not withSubScope: a sub-scope scans the whole graph, once per variable here.
      Variable<T> m = scope.withName("slot_" + i + "_m").variable(zeros);
      Variable<T> v = scope.withName("slot_" + i + "_v").variable(zeros);
      updates.add(switch (options.optimizer()) {
        case ADAM -> scope.train.applyAdam(
            variable, m, v, beta1Power, beta2Power, lr, beta1, beta2, epsilon, gradients.get(i));
        case ADAMAX -> scope.train.applyAdaMax(variable, m, v, beta1Power, lr, beta1, beta2, epsilon, gradients.get(i));
      });
    }
    return scope.withControlDependencies(updates).assignAdd(step, scalar(scope, 1));
  }

  private Operand<T> scalar(Ops tf, double value) {
    return Tensors.scalar(tf, value, type);
  }
}
