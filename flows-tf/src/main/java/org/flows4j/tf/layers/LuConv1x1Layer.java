package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.InvertibleConv1x1;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * {@code W = P·L·(U + diag(sign·exp(logs)))}: P and sign fixed, L unit lower and U strictly upper triangular,
 * imposed by multiplying with constant masks (MatrixBandPart-free, every op has a gradient), so
 * {@code log|det W| = Σ logs}. The factors start from the LU decomposition of a random rotation (Glow).
 */
final class LuConv1x1Layer<T extends TFloating> extends InvertibleLinearLayer<T> {
  private final Operand<T> permutation;
  private final Operand<T> sign;
  private final Operand<T> lowerMask;
  private final Operand<T> upperMask;
  private final Operand<T> eye;
  private final Variable<T> lower;
  private final Variable<T> upper;
  private final Variable<T> logScale;

  LuConv1x1Layer(Ops tf, InvertibleConv1x1 spec, Shape shape, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    int c = channels;
    long[] matrixShape = {c, c};
    HostLinearAlgebra.Lu lu =
        HostLinearAlgebra.lu(HostLinearAlgebra.randomRotation(c, parameters.nextHostSeed()));
    double[] signs = new double[c];
    double[] logs = new double[c];
    double[] strictLower = new double[c * c];
    double[] strictUpper = new double[c * c];
    for (int i = 0; i < c; i++) {
      signs[i] = Math.signum(lu.u()[i][i]);
      logs[i] = Math.log(Math.abs(lu.u()[i][i]));
      for (int j = 0; j < c; j++) {
        strictLower[i * c + j] = j < i ? lu.l()[i][j] : 0;
        strictUpper[i * c + j] = j > i ? lu.u()[i][j] : 0;
      }
    }
    permutation = Tensors.constant(tf, HostLinearAlgebra.flatten(lu.p()), matrixShape, type);
    sign = Tensors.constant(tf, signs, new long[] {c}, type);
    lowerMask = Tensors.constant(tf, HostLinearAlgebra.strictLowerMask(c), matrixShape, type);
    upperMask = Tensors.constant(tf, HostLinearAlgebra.strictUpperMask(c), matrixShape, type);
    eye = Tensors.constant(tf, HostLinearAlgebra.identity(c), matrixShape, type);
    lower = parameters.fromValues(tf, "lower", matrixShape, strictLower);
    upper = parameters.fromValues(tf, "upper", matrixShape, strictUpper);
    logScale = parameters.fromValues(tf, "log_scale", new long[] {c}, logs);
  }

  @Override
  Operand<T> matrix(Ops tf) {
    Operand<T> l = tf.math.add(tf.math.mul(lower, lowerMask), eye);
    Operand<T> diagonal = tf.math.mul(eye, tf.math.mul(sign, tf.math.exp(logScale)));
    Operand<T> u = tf.math.add(tf.math.mul(upper, upperMask), diagonal);
    return tf.linalg.matMul(permutation, tf.linalg.matMul(l, u));
  }

  @Override
  Operand<T> logAbsDet(Ops tf) {
    return tf.reduceSum(logScale, tf.constant(0));
  }

  @Override
  public List<Variable<T>> variables() {
    return List.of(lower, upper, logScale);
  }
}
