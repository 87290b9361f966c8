package org.flows4j.tf.residual;

import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.tf.layers.Parameters;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.family.TFloating;

/** A dense layer {@code z = x Wᵀ + b}, W of shape {@code [out, in]}; u is {@code [1, out]}, v {@code [1, in]}. */
final class DenseSpectralLinear<T extends TFloating> extends SpectralLinear<T> {
  DenseSpectralLinear(Ops tf, SpectralNormalization normalization, Parameters<T> parameters, int in, int out) {
    this(tf, normalization, parameters, in, out, false);
  }

  /** With {@code nearZero}: initialised as a block's last layer, see {@link SpectralLinear}. */
  DenseSpectralLinear(Ops tf, SpectralNormalization normalization, Parameters<T> parameters, int in, int out,
      boolean nearZero) {
    super(tf, normalization, parameters, new long[] {out, in}, in, out, out, new long[] {1, out},
        new long[] {1, in}, nearZero);
  }

  /** Rows of x times Wᵀ. */
  @Override
  Operand<T> apply(Ops tf, Operand<T> w, Operand<T> x) {
    return tf.linalg.matMul(x, w, MatMul.transposeB(true));
  }

  /** W itself: rows of y times W need no transposed copy. */
  @Override
  Operand<T> transposedOperand(Ops tf, Operand<T> w) {
    return w;
  }

  /** Rows of y times W. */
  @Override
  <U extends TFloating> Operand<U> applyTransposedOperand(Ops tf, LinearKernels kernels, Operand<U> w,
      Operand<U> y) {
    return kernels.matMul(tf, y, w, false);
  }
}
