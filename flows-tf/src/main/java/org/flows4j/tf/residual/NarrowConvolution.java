package org.flows4j.tf.residual;

import org.flows4j.tf.layers.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * A stride-1 "same" k×k convolution between many channels and few, such as the first and last maps of a Residual
 * Flow conv branch (1 ↔ 512 channels at 28×28 in the paper's MNIST model), computed as the same linear map in two
 * parts that TensorFlow's kernels run well: a matrix product over the many channels, and a k×k convolution
 * over the few whose kernel is a fixed 0/1 tensor.
 *
 * <ul>
 *   <li>Few outputs (wide → narrow): {@code Z = x·K'} with {@code K'[i, t·out + j] = K[t, i, j]} (t the position in
 *       the kernel), then {@code y_j(p) = Σ_t Z_{t·out+j}(p + offset_t)}, which is the convolution of Z with
 *       {@code E[t, t·out + j, j] = 1}.
 *   <li>Few inputs (narrow → wide): {@code P}, the convolution of x with {@code E'[t, i, t·in + i] = 1}, holds each
 *       pixel's k×k patch; then {@code y = P·K''} with K'' the kernel reshaped to {@code [k²·in, out]}.
 * </ul>
 * Zero padding is the same in both forms (Z and P vanish where x is padding), so the result is the convolution's up
 * to the order of the sums.
 *
 * <p>Why: in function bodies and loop bodies TensorFlow runs {@code Conv2D} and its gradients on Eigen, whose
 * convolution gathers every pixel's k²·wide image patch for a product with a few columns. Measured on this project's
 * 2-core machine (one branch pass c → 512 → c with tanh between, value and gradients, Eigen kernels): batch 64, c = 1
 * at 28×28 616 → 148 ms; c = 4 at 14×14 173 → 46 ms; c = 16 at 7×7 41 → 17 ms; width 128, batch 32: c = 1 60 → 19
 * ms, c = 4 18.7 → 8.0 ms, but c = 16 5.9 → 6.6 ms, hence {@link #suits}. In the log-det series' loop the same
 * form runs on oneDNN's kernels ({@link LinearKernels#ONE_DNN}), whose own convolution with a single output channel
 * is slow: one term of the paper's MNIST conv block spent 6.2–8.2 ms in it (512 → 1) against about 2 ms for the two
 * parts (see {@link ConvSpectralLinear#applyTransposedOperand}).
 */
final class NarrowConvolution {
  private NarrowConvolution() {}

  /**
   * Whether the two-part form pays: the narrow side's k² copies fit in the wide side ({@code k²·narrow ≤ wide}). The
   * 0/1 convolution costs {@code k⁴·narrow²} multiply-adds per pixel against the map's own {@code k²·narrow·wide}.
   */
  static boolean suits(int kernel, int in, int out) {
    int narrow = Math.min(in, out);
    int wide = Math.max(in, out);
    return kernel * kernel * narrow <= wide;
  }

  /**
   * The "same" convolution of x ({@code [batch, height, width, in]}) with {@code kernel} ({@code [k, k, in, out]}),
   * in the two-part form for the narrow side, on the given kernels.
   */
  static <U extends TFloating> Operand<U> apply(Ops tf, LinearKernels kernels, Operand<U> x, Operand<U> kernel,
      int size, int in, int out, int height, int width) {
    return applyArranged(tf, kernels, x, arrange(tf, kernel, size, in, out), size, in, out, height, width);
  }

  /**
   * The kernel ({@code [k, k, in, out]}) as the two-part form's matrix product takes it: {@code K'} ({@code [in,
   * k²·out]}, a transpose) when the outputs are the narrow side, else {@code K''} ({@code [k²·in, out]}, a reshape).
   * A map applied many times with one kernel (the log-det series' terms) arranges it once.
   */
  static <U extends TFloating> Operand<U> arrange(Ops tf, Operand<U> kernel, int size, int in, int out) {
    int positions = size * size;
    if (out <= in) {
      // [k, k, in, out] → [in, k, k, out] → [in, k²·out]: column t·out + j is K[t, ·, j].
      return tf.reshape(tf.linalg.transpose(kernel, tf.constant(new int[] {2, 0, 1, 3})),
          tf.constant(new int[] {in, positions * out}));
    }
    return tf.reshape(kernel, tf.constant(new int[] {positions * in, out}));
  }

  /** {@link #apply} with the kernel already {@link #arrange arranged}. */
  static <U extends TFloating> Operand<U> applyArranged(Ops tf, LinearKernels kernels, Operand<U> x,
      Operand<U> arranged, int size, int in, int out, int height, int width) {
    int positions = size * size;
    Class<U> type = x.type();
    if (out <= in) {
      Operand<U> products = tf.reshape(kernels.matMul(tf, tf.reshape(x, tf.constant(new int[] {-1, in})), arranged,
          false), tf.constant(new int[] {-1, height, width, positions * out}));
      return kernels.conv2d(tf, products, gather(tf, size, out, type));
    }
    Operand<U> patches = kernels.conv2d(tf, x, scatter(tf, size, in, type));
    Operand<U> product = kernels.matMul(tf, tf.reshape(patches, tf.constant(new int[] {-1, positions * in})),
        arranged, false);
    return tf.reshape(product, tf.constant(new int[] {-1, height, width, out}));
  }

  /** {@code E[t, t·c + j, j] = 1}, shaped {@code [k, k, k²·c, c]}: sums position t's slice of Z at offset t. */
  private static <U extends TFloating> Operand<U> gather(Ops tf, int size, int channels, Class<U> type) {
    int positions = size * size;
    double[] values = new double[positions * positions * channels * channels];
    for (int t = 0; t < positions; t++) {
      for (int j = 0; j < channels; j++) {
        values[(t * positions * channels + t * channels + j) * channels + j] = 1;
      }
    }
    return Tensors.constant(tf, values, new long[] {size, size, (long) positions * channels, channels}, type);
  }

  /** {@code E'[t, i, t·c + i] = 1}, shaped {@code [k, k, c, k²·c]}: copies x's value at offset t to channel t·c + i. */
  private static <U extends TFloating> Operand<U> scatter(Ops tf, int size, int channels, Class<U> type) {
    int positions = size * size;
    double[] values = new double[positions * channels * positions * channels];
    for (int t = 0; t < positions; t++) {
      for (int i = 0; i < channels; i++) {
        values[(t * channels + i) * positions * channels + t * channels + i] = 1;
      }
    }
    return Tensors.constant(tf, values, new long[] {size, size, channels, (long) positions * channels}, type);
  }
}
