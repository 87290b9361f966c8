package org.flows4j.tf.residual;

import org.flows4j.api.conditioner.Activation;
import org.flows4j.tf.layers.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * A 1-Lipschitz activation φ with its derivative φ' written out, so vector–Jacobian and Jacobian–vector products are
 * built from forward ops (no second-order gradient of a {@code *Grad} op is ever needed).
 */
final class LipschitzActivation {
  private LipschitzActivation() {}

  /** φ(z); {@code beta} is LipSwish's β = softplus(b) (ignored by the others). */
  static <T extends TFloating> Operand<T> apply(Ops tf, Activation activation, Operand<T> z, Operand<T> beta) {
    return switch (activation) {
      // LipSwish: z·σ(βz)/1.1 (Chen et al. 2019): Lipschitz ≤ 1 for every β > 0.
      case LIPSWISH -> tf.math.div(tf.math.mul(z, tf.math.sigmoid(tf.math.mul(beta, z))), scalar(tf, 1.1, z));
      case ELU -> tf.nn.elu(z);
      case SOFTPLUS -> tf.math.softplus(z);
      case TANH -> tf.math.tanh(z);
      case RELU -> throw new IllegalArgumentException("RELU is not allowed in residual blocks");
    };
  }

  /** φ(z) and φ'(z) together. */
  record ValueAndDerivative<T extends TFloating>(Operand<T> value, Operand<T> derivative) {}

  /**
   * φ(z) and φ'(z) from shared subexpressions (LipSwish's σ(βz), tanh's tanh(z)): what a linearisation needs,
   * computed once per input rather than once per series term.
   */
  static <T extends TFloating> ValueAndDerivative<T> applyWithDerivative(Ops tf, Activation activation,
      Operand<T> z, Operand<T> beta) {
    return switch (activation) {
      case LIPSWISH -> {
        Operand<T> s = tf.math.sigmoid(tf.math.mul(beta, z));
        Operand<T> value = tf.math.div(tf.math.mul(z, s), scalar(tf, 1.1, z));
        yield new ValueAndDerivative<>(value, lipSwishDerivative(tf, z, beta, s));
      }
      case TANH -> {
        Operand<T> t = tf.math.tanh(z);
        yield new ValueAndDerivative<>(t, tf.math.sub(scalar(tf, 1.0, z), tf.math.square(t)));
      }
      case ELU, SOFTPLUS -> new ValueAndDerivative<>(
          apply(tf, activation, z, beta), derivative(tf, activation, z, beta));
      case RELU -> throw new IllegalArgumentException("RELU is not allowed in residual blocks");
    };
  }

  /** d/dz [z σ(βz)]/1.1 = (σ(βz) + βz·σ(βz)(1 - σ(βz)))/1.1, given s = σ(βz). */
  private static <T extends TFloating> Operand<T> lipSwishDerivative(Ops tf, Operand<T> z, Operand<T> beta,
      Operand<T> s) {
    Operand<T> oneMinusS = tf.math.sub(scalar(tf, 1.0, z), s);
    Operand<T> inner = tf.math.add(s, tf.math.mul(tf.math.mul(beta, z), tf.math.mul(s, oneMinusS)));
    return tf.math.div(inner, scalar(tf, 1.1, z));
  }

  /** φ'(z). */
  static <T extends TFloating> Operand<T> derivative(Ops tf, Activation activation, Operand<T> z, Operand<T> beta) {
    return switch (activation) {
      case LIPSWISH -> lipSwishDerivative(tf, z, beta, tf.math.sigmoid(tf.math.mul(beta, z)));
      // ELU'(z) = 1 for z > 0, exp(z) otherwise: exp(min(z, 0)) covers both.
      case ELU -> tf.math.exp(tf.math.minimum(z, scalar(tf, 0.0, z)));
      case SOFTPLUS -> tf.math.sigmoid(z);
      case TANH -> {
        Operand<T> t = tf.math.tanh(z);
        yield tf.math.sub(scalar(tf, 1.0, z), tf.math.square(t));
      }
      case RELU -> throw new IllegalArgumentException("RELU is not allowed in residual blocks");
    };
  }

  private static <T extends TFloating> Operand<T> scalar(Ops tf, double value, Operand<T> like) {
    return Tensors.scalar(tf, value, like.type());
  }
}
