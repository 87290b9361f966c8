package org.flows4j.tf.distributions;

import java.util.List;
import org.flows4j.tf.layers.Parameters;
import org.flows4j.tf.layers.Tensors;
import org.flows4j.tf.Seeds;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * {@code N(μ, diag σ²)} with learned {@code μ} and {@code log σ} per latent scalar, starting at N(0, I):
 * {@code log p(z) = Σ [-½ ((z - μ)/σ)² - log σ - ½ log 2π]}.
 */
final class DiagonalGaussianDistribution<T extends TFloating> implements BaseDistribution<T> {
  private final int dimension;
  private final Class<T> type;
  private final Variable<T> mean;
  private final Variable<T> logScale;

  DiagonalGaussianDistribution(Ops tf, int dimension, Parameters<T> parameters) {
    this.dimension = dimension;
    this.type = parameters.type();
    this.mean = parameters.filled(tf, "mean", new long[] {dimension}, 0.0);
    this.logScale = parameters.filled(tf, "log_scale", new long[] {dimension}, 0.0);
  }

  @Override
  public Operand<T> logProb(Ops tf, Operand<T> z) {
    Operand<T> standardized = tf.math.mul(tf.math.sub(z, mean), tf.math.exp(tf.math.neg(logScale)));
    Operand<T> perScalar = tf.math.add(
        tf.math.mul(Tensors.scalar(tf, -0.5, type), tf.math.square(standardized)), tf.math.neg(logScale));
    Operand<T> total = tf.reduceSum(perScalar, tf.constant(1));
    return tf.math.sub(total, Tensors.scalar(tf, 0.5 * dimension * StandardNormalDistribution.LOG_TWO_PI, type));
  }

  @Override
  public Operand<T> sample(
      Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed, Operand<TInt64> firstRow) {
    Operand<T> eps = Seeds.normalRows(tf, n, dimension, seed, firstRow, type);
    Operand<T> scaled = tf.math.mul(eps, tf.math.mul(tf.math.exp(logScale), temperature));
    return tf.math.add(scaled, mean);
  }

  @Override
  public List<Variable<T>> variables() {
    return List.of(mean, logScale);
  }
}
