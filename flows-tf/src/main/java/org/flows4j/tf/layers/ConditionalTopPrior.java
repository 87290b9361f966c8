package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * The context's part of Glow's learned top prior ({@code prior()} with {@code learntop} and {@code ycond}): with a
 * learned diagonal Gaussian base ({@code Bases.diagonalGaussian()}, Glow's {@code learntop}) in a conditional flow,
 * a zero-initialised linear map of the condition shifts the latent's mean and log-scale per example, as Glow's
 * {@code linear_zeros(y_onehot, 2·n_z)}. Compiled as the affine map {@code ε = (z − m(c))·exp(−s(c))} after the last
 * step, {@code (m, s) = c·W}, so the base's own mean and scale stay the class-independent part; the density is the
 * Gaussian with mean {@code m(c) + e^{s(c)}·μ} and scale {@code e^{s(c)}·σ}.
 */
public final class ConditionalTopPrior<T extends TFloating> {
  private final int dimension;
  private final Variable<T> kernel;

  public ConditionalTopPrior(Ops tf, int dimension, int conditionFeatures, Parameters<T> parameters) {
    this.dimension = dimension;
    this.kernel = parameters.filled(tf, "kernel", new long[] {conditionFeatures, 2L * dimension}, 0.0);
  }

  private List<Operand<T>> meanAndLogScale(Ops tf, Operand<T> condition) {
    SplitV<T> split = tf.splitV(tf.linalg.matMul(condition, kernel), tf.constant(new int[] {dimension, dimension}),
        tf.constant(1), 2L);
    return List.of(split.output().get(0), split.output().get(1));
  }

  /** Flat latent {@code z [batch, D]} ↦ ε, log-det {@code −Σ s(c)} per example. */
  public Transformed<T> forward(Ops tf, Operand<T> z, Operand<T> condition) {
    List<Operand<T>> p = meanAndLogScale(tf, condition);
    Operand<T> epsilon = tf.math.mul(tf.math.sub(z, p.get(0)), tf.math.exp(tf.math.neg(p.get(1))));
    return new Transformed<>(epsilon, tf.math.neg(tf.reduceSum(p.get(1), tf.constant(1))));
  }

  /** ε ↦ {@code z = m(c) + e^{s(c)}·ε}, log-det {@code Σ s(c)} per example. */
  public Transformed<T> inverse(Ops tf, Operand<T> epsilon, Operand<T> condition) {
    List<Operand<T>> p = meanAndLogScale(tf, condition);
    Operand<T> z = tf.math.add(p.get(0), tf.math.mul(tf.math.exp(p.get(1)), epsilon));
    return new Transformed<>(z, tf.reduceSum(p.get(1), tf.constant(1)));
  }

  public List<Variable<T>> variables() {
    return List.of(kernel);
  }
}
