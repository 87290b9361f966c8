package org.flows4j.tf.layers;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.tf.PassContext;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.family.TFloating;

/**
 * Flow++'s coupling network (Ho et al. 2019, section 3.3), NHWC, stride 1, "same" padding:
 *
 * <pre>
 * h = conv3×3(x → width)
 * blocks × {
 *   h = layerNorm(h + glu(conv3×3(concatElu(h) → 2·width)))
 *   h = layerNorm(h + glu(conv1×1(attention(h + positionalEncoding) → 2·width)))
 * }
 * out = conv3×3(h → outChannels)
 * </pre>
 *
 * with {@code concatElu(h) = elu([h, −h])}, the gated linear unit {@code glu([a, b]) = a · σ(b)}, layer norm over
 * the channels with a learned scale and shift, and multi-head scaled dot-product self-attention over the
 * {@code height · width} pixels (queries, keys and values from one 1×1 convolution). Every convolution is
 * weight-normalised, {@code W = g · V / ‖V‖} per output channel; the output convolution's {@code g} starts at zero
 * when the spec asks for a zero-initialised last layer, so the coupling starts as the identity.
 *
 * <p>No dropout: the spec's validation rejects rates above zero (a coupling's inverse must see the same
 * conditioner output as its forward, and conditioners have no training mode).
 */
final class AttentionConvNet<T extends TFloating> implements ConditionerNet<T> {
  private static final List<Long> STRIDES = List.of(1L, 1L, 1L, 1L);
  private static final double LAYER_NORM_EPSILON = 1e-5;

  /** A weight-normalised convolution. */
  private record Conv<T extends TFloating>(Variable<T> direction, Variable<T> gain, Variable<T> bias) {}

  private record Block<T extends TFloating>(
      Conv<T> gatedConv, Variable<T> norm1Scale, Variable<T> norm1Shift,
      Variable<T> positional, Conv<T> queryKeyValue, Conv<T> projection,
      Variable<T> norm2Scale, Variable<T> norm2Shift) {}

  private final Class<T> type;
  private final int height;
  private final int imageWidth;
  private final int width;
  private final int heads;
  private final Conv<T> input;
  private final List<Block<T>> blocks = new ArrayList<>();
  private final Conv<T> output;
  private final List<Variable<T>> variables = new ArrayList<>();

  AttentionConvNet(Ops tf, AttentionConvNetConditioner spec, Shape shape, int inChannels, int outChannels,
      Parameters<T> parameters) {
    if (spec.dropout() > 0.0) {
      throw new IllegalArgumentException("dropout is not supported yet in a flowPlusPlus conditioner, but was "
          + spec.dropout());
    }
    this.type = parameters.type();
    this.height = shape.dims().get(0);
    this.imageWidth = shape.dims().get(1);
    this.width = spec.width();
    this.heads = spec.heads();
    input = conv(tf, parameters.in("conv_in"), 3, inChannels, width, 1.0);
    for (int b = 0; b < spec.blocks(); b++) {
      Parameters<T> p = parameters.in("block_" + b);
      Conv<T> gatedConv = conv(tf, p.in("gated_conv"), 3, 2 * width, 2 * width, 1.0);
      Variable<T> norm1Scale = track(p.in("norm_0").filled(tf, "scale", new long[] {width}, 1.0));
      Variable<T> norm1Shift = track(p.in("norm_0").filled(tf, "shift", new long[] {width}, 0.0));
      Parameters<T> a = p.in("attention");
      Variable<T> positional = track(a.filled(tf, "positional", new long[] {(long) height * imageWidth, width}, 0.0));
      Conv<T> queryKeyValue = conv(tf, a.in("query_key_value"), 1, width, 3 * width, 1.0);
      Conv<T> projection = conv(tf, a.in("projection"), 1, width, 2 * width, 1.0);
      Variable<T> norm2Scale = track(p.in("norm_1").filled(tf, "scale", new long[] {width}, 1.0));
      Variable<T> norm2Shift = track(p.in("norm_1").filled(tf, "shift", new long[] {width}, 0.0));
      blocks.add(new Block<>(gatedConv, norm1Scale, norm1Shift, positional, queryKeyValue, projection,
          norm2Scale, norm2Shift));
    }
    output = conv(tf, parameters.in("conv_out"), 3, width, outChannels, spec.zeroInitLastLayer() ? 0.0 : 1.0);
  }

  private Conv<T> conv(Ops tf, Parameters<T> p, int k, int in, int out, double gain) {
    Variable<T> direction = track(p.glorotUniform(tf, "direction", new long[] {k, k, in, out},
        (long) k * k * in, (long) k * k * out));
    Variable<T> g = track(p.filled(tf, "gain", new long[] {out}, gain));
    Variable<T> bias = track(p.filled(tf, "bias", new long[] {out}, 0.0));
    return new Conv<>(direction, g, bias);
  }

  private Variable<T> track(Variable<T> variable) {
    variables.add(variable);
    return variable;
  }

  @Override
  public Operand<T> apply(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> h = apply(tf, input, ConditionerNet.withCondition(tf, x, context));
    for (Block<T> block : blocks) {
      Operand<T> concatElu = tf.nn.elu(tf.concat(List.of(h, tf.math.neg(h)), tf.constant(3)));
      h = layerNorm(tf, tf.math.add(h, gate(tf, apply(tf, block.gatedConv(), concatElu))),
          block.norm1Scale(), block.norm1Shift());
      Operand<T> positional = tf.reshape(block.positional(), tf.constant(new long[] {height, imageWidth, width}));
      Operand<T> attended = attention(tf, apply(tf, block.queryKeyValue(), tf.math.add(h, positional)));
      h = layerNorm(tf, tf.math.add(h, gate(tf, apply(tf, block.projection(), attended))),
          block.norm2Scale(), block.norm2Shift());
    }
    return apply(tf, output, h);
  }

  /** Weight-normalised convolution: {@code conv(x, g · V / ‖V‖) + bias}, the norm per output channel. */
  private Operand<T> apply(Ops tf, Conv<T> conv, Operand<T> x) {
    Operand<T> norm = tf.math.sqrt(tf.reduceSum(tf.math.mul(conv.direction(), conv.direction()), tf.constant(new int[] {0, 1, 2})));
    Operand<T> kernel = tf.math.mul(conv.direction(), tf.math.div(conv.gain(), norm));
    return tf.nn.biasAdd(tf.nn.conv2d(x, kernel, STRIDES, "SAME"), conv.bias());
  }

  /** The gated linear unit over the channel halves: {@code a · σ(b)}. */
  private Operand<T> gate(Ops tf, Operand<T> ab) {
    List<Operand<T>> parts = split(tf, ab, width, width);
    return tf.math.mul(parts.get(0), tf.math.sigmoid(parts.get(1)));
  }

  private List<Operand<T>> split(Ops tf, Operand<T> x, int... sizes) {
    SplitV<T> split = tf.splitV(x, tf.constant(sizes), tf.constant(3), (long) sizes.length);
    return new ArrayList<Operand<T>>(split.output());
  }

  /** Layer norm over the channels, with a learned scale and shift per channel. */
  private Operand<T> layerNorm(Ops tf, Operand<T> x, Variable<T> scale, Variable<T> shift) {
    Operand<T> mean = tf.math.mean(x, tf.constant(3), org.tensorflow.op.math.Mean.keepDims(true));
    Operand<T> centred = tf.math.sub(x, mean);
    Operand<T> variance = tf.math.mean(tf.math.mul(centred, centred), tf.constant(3),
        org.tensorflow.op.math.Mean.keepDims(true));
    Operand<T> normalised = tf.math.div(centred,
        tf.math.sqrt(tf.math.add(variance, Tensors.scalar(tf, LAYER_NORM_EPSILON, type))));
    return tf.math.add(tf.math.mul(normalised, scale), shift);
  }

  /**
   * Multi-head scaled dot-product self-attention over the pixels: {@code softmax(q kᵀ / √d) v} per head, heads
   * concatenated back into the channels. Input {@code [batch, h, w, 3·width]} (queries, keys, values).
   */
  private Operand<T> attention(Ops tf, Operand<T> queryKeyValue) {
    List<Operand<T>> qkv = split(tf, queryKeyValue, width, width, width);
    int perHead = width / heads;
    Operand<T> q = toHeads(tf, qkv.get(0), perHead);
    Operand<T> k = toHeads(tf, qkv.get(1), perHead);
    Operand<T> v = toHeads(tf, qkv.get(2), perHead);
    Operand<T> scores = tf.math.mul(matmul(tf, q, k, true), Tensors.scalar(tf, 1.0 / Math.sqrt(perHead), type));
    Operand<T> weights = tf.nn.softmax(scores);
    Operand<T> attended = matmul(tf, weights, v, false); // [batch, heads, positions, perHead]
    Operand<T> positionsFirst = tf.linalg.transpose(attended, tf.constant(new int[] {0, 2, 1, 3}));
    return tf.reshape(positionsFirst, Tensors.batchShape(tf, new int[] {height, imageWidth, width}));
  }

  /** {@code [batch, h, w, width]} to {@code [batch, heads, h·w, width / heads]}. */
  private Operand<T> toHeads(Ops tf, Operand<T> x, int perHead) {
    Operand<T> split = tf.reshape(x, Tensors.batchShape(tf, new int[] {height * imageWidth, heads, perHead}));
    return tf.linalg.transpose(split, tf.constant(new int[] {0, 2, 1, 3}));
  }

  private Operand<T> matmul(Ops tf, Operand<T> a, Operand<T> b, boolean transposeB) {
    return tf.train.batchMatMul(a, b, type, BatchMatMul.adjY(transposeB));
  }

  @Override
  public List<Variable<T>> variables() {
    return List.copyOf(variables);
  }
}
