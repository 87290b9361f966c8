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
 * Adam (Kingma & Ba) through TensorFlow's {@code ApplyAdam} kernel: one fused update per variable with slots
 * {@code m}, {@code v} and a step counter, all variables so a checkpoint carries them.
 */
public final class Adam<T extends TFloating> {
  private final Class<T> type;
  private final double beta1;
  private final double beta2;
  private final double epsilon;
  private final Variable<T> step;
  private final List<Variable<T>> slots = new ArrayList<>();

  public Adam(Ops tf, Class<T> type, double beta1, double beta2, double epsilon) {
    this.type = type;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    Ops init = tf.withInitScope();
    this.step = tf.withName("adam_step").variable(Tensors.scalar(init, 0.0, type));
  }

  /** The update op: applies {@code gradients[i]} to {@code variables[i]} with learning rate {@code lr}. */
  public Op minimize(Ops tf, List<Variable<T>> variables, List<Operand<T>> gradients, Operand<T> learningRate) {
    Ops scope = tf.withSubScope("adam");
    Operand<T> t = scope.math.add(step, Tensors.scalar(scope, 1.0, type));
    Operand<T> beta1Power = scope.math.pow(Tensors.scalar(scope, beta1, type), t);
    Operand<T> beta2Power = scope.math.pow(Tensors.scalar(scope, beta2, type), t);
    List<Op> updates = new ArrayList<>();
    Ops init = tf.withInitScope();
    for (int i = 0; i < variables.size(); i++) {
      Variable<T> variable = variables.get(i);
      Ops slotScope = tf.withSubScope("adam_slots").withSubScope(String.valueOf(i));
      // Zeros of the variable's static shape: an initialiser must not read another variable.
      Operand<T> zeros = init.zeros(init.constant(variable.shape().asArray()), type);
      Variable<T> m = slotScope.withName("m").variable(zeros);
      Variable<T> v = slotScope.withName("v").variable(zeros);
      slots.add(m);
      slots.add(v);
      updates.add(scope.train.applyAdam(variable, m, v, beta1Power, beta2Power, learningRate,
          Tensors.scalar(scope, beta1, type), Tensors.scalar(scope, beta2, type),
          Tensors.scalar(scope, epsilon, type), gradients.get(i)));
    }
    return scope.withControlDependencies(updates).assignAdd(step, Tensors.scalar(scope, 1.0, type));
  }

  /** The optimizer's own state: the step counter and every slot. */
  public List<Variable<T>> state() {
    List<Variable<T>> all = new ArrayList<>(slots);
    all.add(0, step);
    return all;
  }
}
