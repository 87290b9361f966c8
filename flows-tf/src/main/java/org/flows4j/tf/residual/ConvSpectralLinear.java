package org.flows4j.tf.residual;

import java.util.List;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.tf.layers.Parameters;
import org.flows4j.tf.layers.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * A convolution (stride 1, "same" padding, NHWC) whose spectral norm is that of the convolution operator at the
 * input's spatial size, not of the reshaped kernel: u is {@code [1, h, w, out]}, v {@code [1, h, w, in]}, and the
 * transpose is the transposed convolution ({@code Conv2DBackpropInput}).
 */
final class ConvSpectralLinear<T extends TFloating> extends SpectralLinear<T> {
  private static final List<Long> STRIDES = List.of(1L, 1L, 1L, 1L);
  private final int height;
  private final int width;
  private final int in;

  ConvSpectralLinear(Ops tf, SpectralNormalization normalization, Parameters<T> parameters, int kernel, int in,
      int out, int height, int width) {
    super(tf, normalization, parameters, new long[] {kernel, kernel, in, out}, (long) kernel * kernel * in,
        (long) kernel * kernel * out, out, new long[] {1, height, width, out}, new long[] {1, height, width, in});
    this.height = height;
    this.width = width;
    this.in = in;
  }

  @Override
  Operand<T> apply(Ops tf, Operand<T> w, Operand<T> x) {
    return tf.nn.conv2d(x, w, STRIDES, "SAME");
  }

  /** The adjoint of the convolution: a transposed convolution back to the input's shape. */
  @Override
  Operand<T> applyTransposed(Ops tf, Operand<T> w, Operand<T> y) {
    Operand<org.tensorflow.types.TInt32> inputSizes = tf.concat(
        List.of(Tensors.batchDimension(tf, y), tf.constant(new int[] {height, width, in})), tf.constant(0));
    return tf.nn.conv2dBackpropInput(inputSizes, w, y, STRIDES, "SAME");
  }
}
