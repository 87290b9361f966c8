package org.flows4j.tf.residual;

import org.flows4j.tf.layers.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * Learned orders of induced mixed norms, the official Residual Flows code's {@code --learn-p}
 * ({@code resflows/layers/base/mixed_lipschitz.py}): a raw scalar r per map boundary, the order
 * {@code asym_squash(r) = 2·tanh(−leaky_elu(0.5493061829986572 − r)) + 3} with {@code leaky_elu(z) = 0.3z +
 * 0.7·elu(z)}. The constant is atanh(0.5), so r = 0 (the official initialisation) gives order 2; the order rises
 * smoothly towards 5 as r grows and falls towards 1 as r shrinks (the leaky branch keeps it from saturating fast on
 * that side). How the raw orders are trained is in {@link org.flows4j.api.residual.SpectralNormalization}.
 */
final class LearnedOrders {
  /** atanh(0.5), the official constant: {@code asym_squash(0) = 2}. */
  static final double SHIFT = 0.5493061829986572;
  private static final double LEAKY_SLOPE = 0.3;

  private LearnedOrders() {}

  /** The order {@code asym_squash(raw)}, in (1, 5). */
  static <T extends TFloating> Operand<T> order(Ops tf, Operand<T> raw) {
    Class<T> type = raw.type();
    Operand<T> z = tf.math.sub(Tensors.scalar(tf, SHIFT, type), raw);
    Operand<T> leaky = tf.math.add(tf.math.mul(Tensors.scalar(tf, LEAKY_SLOPE, type), z),
        tf.math.mul(Tensors.scalar(tf, 1 - LEAKY_SLOPE, type), tf.nn.elu(z)));
    return tf.math.add(tf.math.mul(Tensors.scalar(tf, 2, type), tf.math.tanh(tf.math.neg(leaky))),
        Tensors.scalar(tf, 3, type));
  }

  /** The same map on the host, in double (for tests and reports). */
  static double order(double raw) {
    double z = SHIFT - raw;
    double elu = z > 0 ? z : Math.expm1(z);
    return 2 * Math.tanh(-(LEAKY_SLOPE * z + (1 - LEAKY_SLOPE) * elu)) + 3;
  }
}
