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

/**
 * The standard logistic per scalar (NICE): {@code log p(z) = -Σ [softplus(z) + softplus(-z)]}. Sampling by the
 * inverse CDF {@code log u - log(1 - u)}.
 */
final class StandardLogisticDistribution<T extends TFloating> implements BaseDistribution<T> {
  private final int dimension;
  private final Class<T> type;

  StandardLogisticDistribution(int dimension, Class<T> type) {
    this.dimension = dimension;
    this.type = type;
  }

  @Override
  public Operand<T> logProb(Ops tf, Operand<T> z) {
    Operand<T> perScalar = tf.math.add(tf.math.softplus(z), tf.math.softplus(tf.math.neg(z)));
    return tf.math.neg(tf.reduceSum(perScalar, tf.constant(1)));
  }

  @Override
  public Operand<T> sample(
      Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed, Operand<TInt64> firstRow) {
    Operand<T> u = Seeds.uniformRows(tf, n, dimension, seed, firstRow, type);
    // Keep u away from 0 and 1 so the logit stays finite in float32.
    Operand<T> tiny = Tensors.scalar(tf, 1e-7, type);
    Operand<T> clipped = tf.math.maximum(tf.math.minimum(u, Tensors.scalar(tf, 1 - 1e-7, type)), tiny);
    Operand<T> logit = tf.math.sub(tf.math.log(clipped), tf.math.log1p(tf.math.neg(clipped)));
    return tf.math.mul(logit, temperature);
  }

  @Override
  public List<Variable<T>> variables() {
    return List.of();
  }
}
