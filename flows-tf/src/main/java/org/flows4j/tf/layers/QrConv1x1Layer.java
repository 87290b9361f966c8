package org.flows4j.tf.layers;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.InvertibleConv1x1;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * The QR parameterisation of Hoogeboom et al. ("Emerging Convolutions for Generative Normalizing Flows", 2019):
 * {@code W = Q·R} with {@code Q = H_1·…·H_c}, each {@code H_i = I − 2 v_i v_iᵀ / (v_iᵀ v_i)} a Householder
 * reflection with a learned vector, and {@code R = U ⊙ strictUpperMask + diag(exp(logs))}. Q is orthogonal,
 * so {@code log|det W| = Σ logs}. The diagonal needs no fixed sign: a product of c reflections reaches every
 * orthogonal matrix, including those with determinant −1. Built from matmuls, masks and elementwise ops only:
 * every op has a gradient.
 *
 * <p>Starts with random Gaussian {@code v_i} (so Q is a random orthogonal matrix), {@code R = I}: logs 0, strict
 * upper part 0.
 */
final class QrConv1x1Layer<T extends TFloating> extends InvertibleLinearLayer<T> {
  private final Operand<T> eye;
  private final Operand<T> upperMask;
  private final Variable<T> reflections;
  private final Variable<T> upper;
  private final Variable<T> logScale;

  QrConv1x1Layer(Ops tf, InvertibleConv1x1 spec, Shape shape, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    int c = channels;
    long[] matrixShape = {c, c};
    double[] vectors = HostLinearAlgebra.flatten(HostLinearAlgebra.gaussianMatrix(c, parameters.nextHostSeed()));
    eye = Tensors.constant(tf, HostLinearAlgebra.identity(c), matrixShape, type);
    upperMask = Tensors.constant(tf, HostLinearAlgebra.strictUpperMask(c), matrixShape, type);
    reflections = parameters.fromValues(tf, "householder", matrixShape, vectors);
    upper = parameters.fromValues(tf, "upper", matrixShape, new double[c * c]);
    logScale = parameters.fromValues(tf, "log_scale", new long[] {c}, new double[c]);
  }

  /** {@code Q = H_1·…·H_c}, one rank-one update {@code Q ← Q − 2 (Q v)(vᵀ) / (vᵀ v)} per reflection. */
  private Operand<T> orthogonal(Ops tf) {
    Operand<T> q = eye;
    Operand<T> two = Tensors.scalar(tf, 2.0, type);
    // Split (not Slice or Gather) into rows [1, c]: its gradient is in the registry.
    List<Operand<T>> rows = List.copyOf(tf.split(tf.constant(0), reflections, (long) channels).output());
    for (Operand<T> row : rows) {
      Operand<T> v = tf.reshape(row, tf.constant(new int[] {channels, 1}));
      Operand<T> squaredNorm = tf.reduceSum(tf.math.square(v), tf.constant(new int[] {0, 1}));
      Operand<T> qv = tf.linalg.matMul(q, v);
      Operand<T> outer = tf.linalg.matMul(qv, row);
      q = tf.math.sub(q, tf.math.mul(tf.math.div(two, squaredNorm), outer));
    }
    return q;
  }

  @Override
  Operand<T> matrix(Ops tf) {
    Operand<T> diagonal = tf.math.mul(eye, tf.math.exp(logScale));
    Operand<T> r = tf.math.add(tf.math.mul(upper, upperMask), diagonal);
    return tf.linalg.matMul(orthogonal(tf), r);
  }

  @Override
  Operand<T> logAbsDet(Ops tf) {
    return tf.reduceSum(logScale, tf.constant(0));
  }

  @Override
  public List<Variable<T>> variables() {
    return ImmutableList.of(reflections, upper, logScale);
  }
}
