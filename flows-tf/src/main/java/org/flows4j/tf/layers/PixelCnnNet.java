package org.flows4j.tf.layers;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * PixelCNN's masked convolutions (van den Oord et al. 2016) for an image {@code [h, w, c]} visited in raster order:
 * {@code layers} {@code k×k} convolutions of {@code width} channels, stride 1, "SAME" zero padding, NHWC, each
 * followed by the activation, then a {@code 1×1} convolution to {@code 2c} channels (the shifts of the c channels,
 * then their raw log-scales).
 *
 * <ul>
 *   <li>Mask A (first layer): the taps strictly before the centre in raster order, i.e. the rows above the centre
 *       and the taps left of it on its row. Hidden features at pixel p then depend only on pixels before p.
 *   <li>Mask B (the other layers): those taps and the centre. The centre reads hidden features of p itself, which
 *       depend only on pixels before p, so the property holds through every layer; the {@code 1×1} output reads
 *       only p's own hidden features.
 * </ul>
 *
 * Masks are the same for every channel pair ({@code [k, k, 1, 1]} constants multiplied into the kernels), so the
 * outputs at p see every channel of the earlier pixels and none of p's. Receptive field: a mask tap moves at most
 * {@code k/2} rows up, so the outputs at row r depend on rows {@code r − layers·(k/2)} to r only
 * ({@link #rowsOfContext()}); and they never reach up-right beyond the diagonal (PixelCNN's blind spot).
 *
 * <p>{@link #weights} gives the masked kernels and the biases as values (not variable refs), so a while loop can
 * take them as loop variables; {@link #apply} runs on any number of rows.
 */
final class PixelCnnNet<T extends TFloating> {
  private static final List<Long> STRIDES = List.of(1L, 1L, 1L, 1L);

  private final PixelCnnConditioner spec;
  private final List<Variable<T>> kernels = new ArrayList<>();
  private final List<Variable<T>> biases = new ArrayList<>();
  /** One mask per {@code k×k} layer; the {@code 1×1} output is not masked. */
  private final List<Operand<T>> masks = new ArrayList<>();

  PixelCnnNet(Ops tf, PixelCnnConditioner spec, int channels, Parameters<T> parameters) {
    this.spec = spec;
    Class<T> type = parameters.type();
    int k = spec.kernelSize();
    int width = spec.width();
    Operand<T> maskA = Tensors.constant(tf, mask(k, false), new long[] {k, k, 1, 1}, type);
    Operand<T> maskB = Tensors.constant(tf, mask(k, true), new long[] {k, k, 1, 1}, type);
    int in = channels;
    for (int layer = 0; layer < spec.layers(); layer++) {
      Parameters<T> conv = parameters.in("masked_conv_" + layer);
      kernels.add(conv.glorotUniform(tf, "kernel", new long[] {k, k, in, width}, (long) k * k * in,
          (long) k * k * width));
      biases.add(conv.filled(tf, "bias", new long[] {width}, 0.0));
      masks.add(layer == 0 ? maskA : maskB);
      in = width;
    }
    Parameters<T> out = parameters.in("conv_out");
    long[] outShape = {1, 1, width, 2L * channels};
    kernels.add(spec.zeroInitLastLayer()
        ? out.filled(tf, "kernel", outShape, 0.0)
        : out.glorotUniform(tf, "kernel", outShape, width, 2L * channels));
    biases.add(out.filled(tf, "bias", new long[] {2L * channels}, 0.0));
  }

  /** Row-major {@code k×k} 0/1 mask: taps before the centre in raster order, and the centre when {@code withCentre}. */
  static double[] mask(int k, boolean withCentre) {
    int centre = (k / 2) * k + k / 2;
    double[] mask = new double[k * k];
    for (int tap = 0; tap < k * k; tap++) {
      mask[tap] = tap < centre || (withCentre && tap == centre) ? 1 : 0;
    }
    return mask;
  }

  int kernelSize() {
    return spec.kernelSize();
  }

  /** The number of masked {@code k×k} layers. */
  int layers() {
    return spec.layers();
  }

  /** The hidden layers' channels. */
  int width() {
    return spec.width();
  }

  /** The hidden layers' activation. */
  Operand<T> activate(Ops tf, Operand<T> x) {
    return ConditionerNet.activate(tf, spec.activation(), x);
  }

  /** How many rows above a pixel its outputs can depend on. */
  int rowsOfContext() {
    return spec.layers() * (spec.kernelSize() / 2);
  }

  /** The masked kernels and the biases, layer by layer, as values that loop bodies can take as loop variables. */
  List<Operand<T>> weights(Ops tf) {
    List<Operand<T>> weights = new ArrayList<>();
    for (int i = 0; i < kernels.size(); i++) {
      weights.add(i < masks.size() ? tf.math.mul(kernels.get(i), masks.get(i)) : tf.identity(kernels.get(i)));
      weights.add(tf.identity(biases.get(i))); // a value, not the ref: loops reject ref-typed variables
    }
    return weights;
  }

  /** {@code [batch, rows, w, c] → [batch, rows, w, 2c]} with {@code weights} from {@link #weights}. */
  Operand<T> apply(Ops tf, Operand<T> x, List<? extends Operand<T>> weights) {
    Operand<T> h = x;
    int last = weights.size() / 2 - 1;
    for (int i = 0; i <= last; i++) {
      Operand<T> conv = tf.nn.conv2d(h, weights.get(2 * i), STRIDES, "SAME");
      Operand<T> bias = weights.get(2 * i + 1);
      // A conditional flow's bias is per example ([batch, 1, 1, features], PixelCnnContext): BiasAdd takes 1-D only.
      h = bias.shape().numDimensions() == 1 ? tf.nn.biasAdd(conv, bias) : tf.math.add(conv, bias);
      if (i < last) {
        h = activate(tf, h);
      }
    }
    return h;
  }

  List<Variable<T>> variables() {
    ImmutableList.Builder<Variable<T>> all = ImmutableList.builder();
    for (int i = 0; i < kernels.size(); i++) {
      all.add(kernels.get(i), biases.get(i));
    }
    return all.build();
  }
}
