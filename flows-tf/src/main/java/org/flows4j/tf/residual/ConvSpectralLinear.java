package org.flows4j.tf.residual;

import com.google.common.base.Preconditions;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.tf.layers.Parameters;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * A convolution (stride 1, "same" padding, NHWC) whose spectral norm is that of the convolution operator at the
 * input's spatial size, not of the reshaped kernel: u is {@code [1, h, w, out]}, v {@code [1, h, w, in]}, and the
 * transpose is the adjoint convolution (see {@link #transposedOperand}). Kernels are odd-sized.
 */
final class ConvSpectralLinear<T extends TFloating> extends SpectralLinear<T> {
  private final int kernel;
  private final int in;
  private final int out;
  private final int height;
  private final int width;

  ConvSpectralLinear(Ops tf, SpectralNormalization normalization, Parameters<T> parameters, int kernel, int in,
      int out, int height, int width) {
    super(tf, normalization, parameters, new long[] {kernel, kernel, in, out}, (long) kernel * kernel * in,
        (long) kernel * kernel * out, out, new long[] {1, height, width, out}, new long[] {1, height, width, in});
    Preconditions.checkArgument(kernel % 2 == 1, "the adjoint below needs an odd kernel, but it was %s", kernel);
    this.kernel = kernel;
    this.in = in;
    this.out = out;
    this.height = height;
    this.width = width;
  }

  /**
   * A convolution operator has one group of singular values per spatial frequency, so its largest ones crowd
   * together: on the paper's MNIST model's 1 → 512 map at 28×28 the thorough refresh's power steps (at most 200, to a
   * relative change of 1e-5) left σ 0.06–0.21% low. Lanczos bidiagonalisation reaches the top within about 45 steps;
   * the first refresh of one such block (its three maps) fell from 142–234 to 64–86 ms
   * ({@code ThoroughRefreshProbe 28 1 512}).
   */
  @Override
  boolean bidiagonalizesWhenThorough(int iterations) {
    return LanczosBidiagonalization.suits(this, iterations);
  }

  /**
   * W applied: a narrow map (see {@link NarrowConvolution}) in the two-part form, in the branch as in the power
   * iteration. There, on one image, the 1 ↔ 512 maps of the paper's MNIST model's first scale took 0.42 ms per pair
   * in that form on Eigen's kernels, against 0.92 ms for Eigen's convolution and 0.97 ms for oneDNN's, and the
   * model's first thorough refresh fell from 11.5–13.2 s to 5.4–6.5 s.
   */
  @Override
  Operand<T> apply(Ops tf, Operand<T> w, Operand<T> x) {
    if (NarrowConvolution.suits(kernel, in, out)) {
      return NarrowConvolution.apply(tf, LinearKernels.STANDARD, x, w, kernel, in, out, height, width);
    }
    return LinearKernels.STANDARD.conv2d(tf, x, w);
  }

  /**
   * The kernel of the adjoint convolution. The adjoint is computed as a convolution: for stride 1, an odd kernel and
   * "same" padding (pad (k-1)/2 on every side), the adjoint is the "same" convolution with the kernel flipped in both
   * spatial axes and its channel axes swapped. That is the same operator as {@code Conv2DBackpropInput}, about twice
   * as fast on CPU for the branch's 3×3 maps (measured at 28×28, 512 ↔ 1 channels), and it is the op the series loop
   * runs most. Between many channels and few, the flipped kernel is returned already {@linkplain
   * NarrowConvolution#arrange arranged} for the two-part form, so that the series' terms never rearrange it.
   */
  @Override
  Operand<T> transposedOperand(Ops tf, Operand<T> w) {
    Operand<T> flipped =
        tf.linalg.transpose(tf.reverse(w, tf.constant(new int[] {0, 1})), tf.constant(new int[] {0, 1, 3, 2}));
    return NarrowConvolution.suits(kernel, out, in) ? NarrowConvolution.arrange(tf, flipped, kernel, out, in)
        : flipped;
  }

  /**
   * The "same" convolution from out channels to in with the flipped, swapped kernel ({@link #transposedOperand}).
   *
   * <p>Between many channels and few, the two-part form on the given kernels, oneDNN's in the series loop: one term of
   * the paper's MNIST conv block (width 512, 28×28, batch 16) took 2.1–2.8 ms in oneDNN's 1 → 512 convolution and
   * 6.2–8.2 ms in its 512 → 1 convolution, against 1.5–2.1 and 1.9–2.3 ms for the two-part form's parts (main graph,
   * traced, this project's 2-core Zen 5 machine); the whole term 30.2–32.1 against 24.8–30.0 ms.
   */
  @Override
  <U extends TFloating> Operand<U> applyTransposedOperand(Ops tf, LinearKernels kernels, Operand<U> flipped,
      Operand<U> y) {
    if (NarrowConvolution.suits(kernel, out, in)) {
      return NarrowConvolution.applyArranged(tf, kernels, y, flipped, kernel, out, in, height, width);
    }
    return kernels.conv2d(tf, y, flipped);
  }
}
