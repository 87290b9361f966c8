package org.flows4j.tf.training;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * Builds one optimizer update (Adam or AdaMax: the arithmetic of TensorFlow's {@code ApplyAdam} /
 * {@code ApplyAdaMax} on flat vectors) with the learning-rate schedule computed in the graph from the step counter.
 * Slots and the counter are variables, so checkpoints carry them.
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

  /**
   * Applies the flat gradient (in {@code layout}'s order) to {@code variables} and advances the step counter. The
   * slots are flat vectors too, and the update is the arithmetic of TensorFlow's {@code ApplyAdam} /
   * {@code ApplyAdaMax} kernels written out on the whole vector (those kernels update one variable in place, so
   * using them would take a slot pair per variable; see {@link FlatLayout}):
   * <ul>
   *   <li>Adam: {@code m ← m + (g - m)(1 - β₁)}, {@code v ← v + (g² - v)(1 - β₂)},
   *       {@code θ ← θ - lr·√(1 - β₂ᵗ)/(1 - β₁ᵗ)·m/(√v + ε)};</li>
   *   <li>AdaMax: {@code m ← β₁m + (1 - β₁)g}, {@code v ← max(β₂v, |g|)}, {@code θ ← θ - lr/(1 - β₁ᵗ)·m/(v + ε)}.</li>
   * </ul>
   */
  Applied<T> apply(Ops tf, List<Variable<T>> variables, FlatLayout<T> layout, Operand<T> gradient,
      @Nullable Operand<T> readBefore) {
    Ops scope = tf.withSubScope("optimizer");
    Ops init = tf.withInitScope();
    Operand<T> t = scope.math.add(step, scalar(scope, 1));
    Operand<T> beta1Power = scope.math.pow(scalar(scope, options.beta1()), t);
    Operand<T> lr = learningRate(scope);
    Operand<T> oneMinusBeta1 = scalar(scope, 1 - options.beta1());
    Operand<T> epsilon = scalar(scope, options.epsilon());
    Variable<T> m = scope.withName("slot_m").variable(layout.zeros(init));
    Variable<T> v = scope.withName("slot_v").variable(layout.zeros(init));
    Operand<T> newM;
    Operand<T> newV;
    Operand<T> delta;
    switch (options.optimizer()) {
      case ADAM -> {
        newM = scope.math.add(m, scope.math.mul(scope.math.sub(gradient, m), oneMinusBeta1));
        newV = scope.math.add(v, scope.math.mul(scope.math.sub(scope.math.square(gradient), v),
            scalar(scope, 1 - options.beta2())));
        Operand<T> beta2Power = scope.math.pow(scalar(scope, options.beta2()), t);
        Operand<T> rate = scope.math.div(scope.math.mul(lr, scope.math.sqrt(scope.math.sub(scalar(scope, 1),
            beta2Power))), scope.math.sub(scalar(scope, 1), beta1Power));
        delta = scope.math.mul(rate, scope.math.div(newM, scope.math.add(scope.math.sqrt(newV), epsilon)));
      }
      case ADAMAX -> {
        newM = scope.math.add(scope.math.mul(scalar(scope, options.beta1()), m),
            scope.math.mul(oneMinusBeta1, gradient));
        newV = scope.math.maximum(scope.math.mul(scalar(scope, options.beta2()), v), scope.math.abs(gradient));
        Operand<T> rate = scope.math.div(lr, scope.math.sub(scalar(scope, 1), beta1Power));
        delta = scope.math.mul(rate, scope.math.div(newM, scope.math.add(newV, epsilon)));
      }
      default -> throw new IllegalStateException(options.optimizer().toString());
    }
    List<Op> updates = new ArrayList<>();
    // The deltas are computed from the slots' old values before the slots are overwritten.
    Ops afterDelta = scope.withControlDependencies(List.of(scope.identity(delta)));
    updates.add(afterDelta.assign(m, newM));
    updates.add(afterDelta.assign(v, newV));
    List<Operand<T>> deltas = layout.split(scope, delta);
    // A caller's read of the weights (the flat weight vector the average is updated from) sees them before this step.
    Ops write = readBefore == null ? scope : scope.withControlDependencies(List.of(readBefore));
    for (int i = 0; i < variables.size(); i++) {
      updates.add(write.assignSub(variables.get(i), deltas.get(i)));
    }
    return new Applied<>(scope.withControlDependencies(updates).assignAdd(step, scalar(scope, 1)), delta);
  }

  /** The update op, and the flat vector it subtracts from the weights (in the layout's order). */
  record Applied<T extends TFloating>(Op op, Operand<T> delta) {}

  private Operand<T> scalar(Ops tf, double value) {
    return Tensors.scalar(tf, value, type);
  }
}
