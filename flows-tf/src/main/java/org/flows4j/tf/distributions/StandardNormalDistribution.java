package org.flows4j.tf.distributions;

import java.util.List;
import org.flows4j.tf.layers.Tensors;
import org.flows4j.tf.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/** {@code log p(z) = -½ Σ (z² + log 2π)}. */
final class StandardNormalDistribution<T extends TFloating> implements BaseDistribution<T> {
  static final double LOG_TWO_PI = Math.log(2 * Math.PI);

  private final int dimension;
  private final Class<T> type;

  StandardNormalDistribution(int dimension, Class<T> type) {
    this.dimension = dimension;
    this.type = type;
  }

  @Override
  public Operand<T> logProb(Ops tf, Operand<T> z) {
    Operand<T> squares = tf.reduceSum(tf.math.square(z), tf.constant(1));
    return tf.math.mul(Tensors.scalar(tf, -0.5, type),
        tf.math.add(squares, Tensors.scalar(tf, dimension * LOG_TWO_PI, type)));
  }

  @Override
  public Operand<T> sample(
      Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed, Operand<TInt64> firstRow) {
    Operand<T> eps = Seeds.normalRows(tf, n, dimension, seed, firstRow, type);
    return tf.math.mul(eps, temperature);
  }

  @Override
  public List<Variable<T>> variables() {
    return List.of();
  }
}
