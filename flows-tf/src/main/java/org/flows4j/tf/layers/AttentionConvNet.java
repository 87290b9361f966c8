package org.flows4j.tf.layers;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.ConvWeights;
import org.flows4j.tf.PassContext;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Flow++'s coupling network (Ho et al. 2019, section 3.3, as in the authors' code), NHWC, stride 1, "same"
 * padding:
 *
 * <pre>
 * h = conv3×3(x → width)
 * blocks × {
 *   c = dropout(concatElu(conv3×3(concatElu(h) → width) [+ conv1×1(concatElu(condition) → width)]))
 *   h = layerNorm(h + gate(conv1×1(c → 2·width)))
 *   a = dropout(attention(conv1×1(h + positionalEncoding → 3·width)))
 *   h = layerNorm(h + gate(conv1×1(a → 2·width)))
 * }
 * out = conv3×3(h → outChannels)
 * </pre>
 *
 * with {@code concatElu(h) = elu([h, −h])}, {@code gate([a, b]) = a · σ(b)}, layer norm over the channels with a
 * learned scale and shift, and multi-head scaled dot-product self-attention over the {@code height · width}
 * pixels (queries, keys and values from one 1×1 convolution). The positional encoding, one learned vector per
 * pixel, starts as N(0, 0.01²) and is one variable per network, shared by every block's attention, as the official
 * {@code pos_emb} ({@code MixLogisticAttnCoupling} creates it once per coupling, before {@code proj_in}, and passes
 * it to each block's {@code gated_attn}). Checkpoints written while each block had its own encoding
 * ({@code block_i.attention.positional}) are refused with a message that says so.
 *
 * <p>A condition (the dequantization flow's pixel features, or a conditional flow's context repeated at every
 * pixel) enters every block through its own 1×1 projection added before the gated convolution's second
 * nonlinearity, as the official code's {@code gated_conv(x, a=context)} ({@code c1 += nin(concat_elu(a))}); the
 * input convolution sees x alone.
 *
 * <p>Dropout (inverted: kept units scaled by {@code 1 / (1 − p)}) runs in training passes only, with masks drawn
 * statelessly from the flow's random seed, one stream per site. Inverses and sampling run in evaluation mode,
 * so a coupling's inverse sees the same conditioner output as its evaluation forward.
 *
 * <p>Convolutions hold plain kernels {@code W}, drawn from N(0, 0.05²), and biases, as the official code
 * ({@link ConvWeights#PLAIN}), or are weight-normalised, {@code W = g · V / ‖V‖} per output channel
 * ({@link ConvWeights#WEIGHT_NORMALIZED}). With data-dependent initialisation the first batch sets each
 * convolution, in forward order, so that its output has mean 0 and standard deviation {@code initScale} per channel
 * on that batch: 1 for convolutions that feed a nonlinearity or attention, 0.1 for those that feed a gate or the
 * output, as in the paper's code. Plain kernels are rescaled in place ({@code W ← W · s/σ}, {@code b ← −μ · s/σ},
 * the official {@code conv2d}); weight-normalised ones get the gain {@code s/σ}. The output convolution is left
 * out when the spec asks for a zero-initialised last layer: it starts at zero so the coupling starts as the
 * identity (the official code instead data-initialises it with scale 0.1).
 */
final class AttentionConvNet<T extends TFloating> implements ConditionerNet<T> {
  private static final List<Long> STRIDES = List.of(1L, 1L, 1L, 1L);
  private static final double LAYER_NORM_EPSILON = 1e-5;
  /** Added to the variance in data init (as the paper's code does): a channel constant on the batch stays finite. */
  private static final double INIT_EPSILON = 1e-8;
  /** The output spread data init gives convolutions that feed a nonlinearity or the attention. */
  private static final double UNIT_INIT_SCALE = 1.0;
  /** The smaller spread for convolutions that feed a gate or the coupling's parameters, so blocks start gentle. */
  private static final double GATE_INIT_SCALE = 0.1;
  /** The official code's initialiser of plain kernels, {@code tf.random_normal_initializer(0, 0.05)}. */
  private static final double PLAIN_INIT_STDDEV = 0.05;
  /** The name of the shared positional encoding under the network's scope. */
  static final String POSITIONAL = "positional";

  /**
   * A convolution: a plain kernel ({@code gain} null) or a weight-normalised direction and gain; {@code fromData}
   * when data init sets it to give outputs of spread {@code initScale}.
   */
  private record Conv<T extends TFloating>(String name, Variable<T> kernel, @Nullable Variable<T> gain,
      Variable<T> bias, double initScale, boolean fromData) {}

  private record Block<T extends TFloating>(
      Conv<T> conv, @Nullable Conv<T> conditionProjection, Conv<T> gate, Variable<T> norm1Scale, Variable<T> norm1Shift,
      Conv<T> queryKeyValue, Conv<T> projection,
      Variable<T> norm2Scale, Variable<T> norm2Shift, long convDropoutStream, long attentionDropoutStream) {}

  /** A data-initialised convolution's output, observed by tests, with the spread data init gives it. */
  record ConvOutput<T extends TFloating>(String conv, double initScale, Operand<T> value) {}

  /** What tests observe inside one pass: data-initialised convolutions' outputs and dropout sites' outputs. */
  record Probes<T extends TFloating>(List<ConvOutput<T>> convOutputs, List<Operand<T>> dropoutOutputs) {
    static <T extends TFloating> Probes<T> create() {
      return new Probes<>(new ArrayList<>(), new ArrayList<>());
    }
  }

  private final Class<T> type;
  private final Parameters<T> parameters;
  private final int height;
  private final int imageWidth;
  private final int width;
  private final int heads;
  private final double dropout;
  private final ConvWeights weights;
  /** The one positional encoding, {@code [height·width, width]}, added before every block's attention. */
  private final Variable<T> positional;
  private final Conv<T> input;
  private final List<Block<T>> blocks = new ArrayList<>();
  private final Conv<T> output;
  private final @Nullable Variable<TBool> initialized;
  private final List<Variable<T>> variables = new ArrayList<>();

  AttentionConvNet(Ops tf, AttentionConvNetConditioner spec, Shape shape, int inChannels, int conditionChannels,
      int outChannels, Parameters<T> parameters) {
    this.type = parameters.type();
    this.parameters = parameters;
    this.height = shape.dims().get(0);
    this.imageWidth = shape.dims().get(1);
    this.width = spec.width();
    this.heads = spec.heads();
    this.dropout = spec.dropout();
    this.weights = spec.weights();
    boolean fromData = spec.dataInitialization();
    @Nullable Variable<T> sharedPositional = null;
    input = conv(tf, parameters, "conv_in", 3, inChannels, width, UNIT_INIT_SCALE, fromData);
    for (int b = 0; b < spec.blocks(); b++) {
      Parameters<T> p = parameters.in("block_" + b);
      Parameters<T> g = p.in("gated_conv");
      Conv<T> conv = conv(tf, g, "conv", 3, 2 * width, width, UNIT_INIT_SCALE, fromData);
      Conv<T> conditionProjection = conditionChannels == 0 ? null
          : conv(tf, g, "condition_projection", 1, 2 * conditionChannels, width, UNIT_INIT_SCALE, fromData);
      Conv<T> gate = conv(tf, g, "gate", 1, 2 * width, 2 * width, GATE_INIT_SCALE, fromData);
      Variable<T> norm1Scale = track(p.in("norm_0").filled(tf, "scale", new long[] {width}, 1.0));
      Variable<T> norm1Shift = track(p.in("norm_0").filled(tf, "shift", new long[] {width}, 0.0));
      if (b == 0) {
        // N(0, 0.01²), as the official pos_emb's random_normal_initializer(stddev=0.01). Drawn where the first
        // block drew its own encoding before the encoding was shared, so a one-block network starts exactly as it
        // did then (the official code creates it before proj_in; the order only decides which draws it gets).
        long[] positionalShape = {(long) height * imageWidth, width};
        sharedPositional = track(parameters.fromValues(tf, POSITIONAL, positionalShape,
            gaussian(new java.util.SplittableRandom(parameters.nextHostSeed()), height * imageWidth * width, 0.01)));
      }
      Parameters<T> a = p.in("attention");
      Conv<T> queryKeyValue = conv(tf, a, "query_key_value", 1, width, 3 * width, UNIT_INIT_SCALE, fromData);
      Conv<T> projection = conv(tf, a, "projection", 1, width, 2 * width, GATE_INIT_SCALE, fromData);
      Variable<T> norm2Scale = track(p.in("norm_1").filled(tf, "scale", new long[] {width}, 1.0));
      Variable<T> norm2Shift = track(p.in("norm_1").filled(tf, "shift", new long[] {width}, 0.0));
      // Drawn whatever the rate, so switching dropout on or off leaves every initial weight unchanged.
      long streams = parameters.nextHostSeed();
      blocks.add(new Block<>(conv, conditionProjection, gate, norm1Scale, norm1Shift, queryKeyValue, projection,
          norm2Scale, norm2Shift, streams, streams + 1));
    }
    positional = java.util.Objects.requireNonNull(sharedPositional, "blocks ≥ 1 is checked by the spec");
    output = spec.zeroInitLastLayer()
        ? conv(tf, parameters, "conv_out", 3, width, outChannels, 0.0, false)
        : conv(tf, parameters, "conv_out", 3, width, outChannels, GATE_INIT_SCALE, fromData);
    // Checkpointed with the weights: the trainer initialises from data only while a flag is false, so a restored
    // model keeps its trained gains.
    initialized = fromData ? parameters.flag(tf, "initialized") : null;
  }

  /**
   * Plain kernels start as N(0, 0.05²) as the official code's (zero for a zero-initialised output);
   * weight-normalised gains start at {@code initScale}, the spread data init would give inputs of unit variance.
   */
  private Conv<T> conv(Ops tf, Parameters<T> scope, String name, int k, int in, int out, double initScale,
      boolean fromData) {
    Parameters<T> p = scope.in(name);
    long[] shape = {k, k, in, out};
    if (weights == ConvWeights.PLAIN) {
      Variable<T> kernel = track(initScale == 0.0 ? p.filled(tf, "kernel", shape, 0.0)
          : p.fromValues(tf, "kernel", shape,
              gaussian(new java.util.SplittableRandom(p.nextHostSeed()), k * k * in * out, PLAIN_INIT_STDDEV)));
      Variable<T> bias = track(p.filled(tf, "bias", new long[] {out}, 0.0));
      return new Conv<>(name, kernel, null, bias, initScale, fromData);
    }
    Variable<T> direction = track(p.glorotUniform(tf, "direction", shape, (long) k * k * in, (long) k * k * out));
    Variable<T> gain = track(p.filled(tf, "gain", new long[] {out}, initScale));
    Variable<T> bias = track(p.filled(tf, "bias", new long[] {out}, 0.0));
    return new Conv<>(name, direction, gain, bias, initScale, fromData);
  }

  private Variable<T> track(Variable<T> variable) {
    variables.add(variable);
    return variable;
  }

  @Override
  public Operand<T> apply(Ops tf, Operand<T> x, PassContext<T> context) {
    return new Pass(tf, context, null).run(x);
  }

  /** {@link #apply} that also reports, for tests, what {@code probes} collects. */
  Operand<T> apply(Ops tf, Operand<T> x, PassContext<T> context, Probes<T> probes) {
    return new Pass(tf, context, probes).run(x);
  }

  /** The ops of one pass: its context decides dropout and data init. */
  private final class Pass {
    private final Ops tf;
    private final PassContext<T> context;
    private final @Nullable Probes<T> probes;

    Pass(Ops tf, PassContext<T> context, @Nullable Probes<T> probes) {
      this.tf = tf;
      this.context = context;
      this.probes = probes;
    }

    Operand<T> run(Operand<T> x) {
      Operand<T> condition = ConditionerNet.conditionAt(tf, x, context);
      Operand<T> h = conv(input, x);
      Operand<T> positionalMap = tf.reshape(positional, tf.constant(new long[] {height, imageWidth, width}));
      for (Block<T> block : blocks) {
        Operand<T> c1 = conv(block.conv(), concatElu(h));
        if (block.conditionProjection() != null) {
          c1 = tf.math.add(c1, conv(block.conditionProjection(), concatElu(java.util.Objects.requireNonNull(
              condition, "a conditioner built for a condition needs one"))));
        }
        Operand<T> c = dropout(concatElu(c1), block.convDropoutStream());
        h = layerNorm(tf.math.add(h, gate(conv(block.gate(), c))), block.norm1Scale(), block.norm1Shift());
        Operand<T> attended = dropout(attention(conv(block.queryKeyValue(), tf.math.add(h, positionalMap))),
            block.attentionDropoutStream());
        h = layerNorm(tf.math.add(h, gate(conv(block.projection(), attended))), block.norm2Scale(),
            block.norm2Shift());
      }
      Operand<T> out = conv(output, h);
      List<Op> initOps = context.initOps();
      if (initOps != null && initialized != null) {
        initOps.add(tf.assign(initialized, tf.constant(true)));
      }
      return out;
    }

    /**
     * The convolution {@code conv(x, W) + b}, with {@code W} the plain kernel or {@code g · V / ‖V‖}. In the
     * data-init pass, a convolution that initialises from data computes {@code t = conv(x, W₀)} instead (W₀ the
     * plain kernel, or {@code V / ‖V‖}), takes t's per-channel mean μ and deviation σ, sets {@code W ← W₀ · s / σ}
     * (plain) or {@code g = s / σ} (weight norm) and {@code b = −μ · s / σ}, and returns {@code (t − μ) · s / σ},
     * the output with those fresh values, so the convolutions after it initialise on what they will see.
     */
    private Operand<T> conv(Conv<T> conv, Operand<T> x) {
      Variable<T> gain = conv.gain();
      // ‖V‖ as a sum of products, not tf.math.square: the square gradient once crashed the JVM in this network.
      Operand<T> unitKernel = gain == null ? conv.kernel() : tf.math.div(conv.kernel(), tf.math.sqrt(
          tf.reduceSum(tf.math.mul(conv.kernel(), conv.kernel()), tf.constant(new int[] {0, 1, 2}))));
      List<Op> initOps = context.initOps();
      Operand<T> y;
      if (initOps != null && conv.fromData()) {
        Operand<T> unit = tf.nn.conv2d(x, unitKernel, STRIDES, "SAME");
        Operand<TInt32> axes = tf.constant(new int[] {0, 1, 2});
        Operand<T> mean = tf.math.mean(unit, axes);
        Operand<T> centred = tf.math.sub(unit, mean);
        Operand<T> variance = tf.math.mean(tf.math.mul(centred, centred), axes);
        Operand<T> scale = tf.math.div(scalar(conv.initScale()),
            tf.math.sqrt(tf.math.add(variance, scalar(INIT_EPSILON))));
        initOps.add(gain == null ? tf.assign(conv.kernel(), tf.math.mul(conv.kernel(), scale))
            : tf.assign(gain, scale));
        initOps.add(tf.assign(conv.bias(), tf.math.neg(tf.math.mul(mean, scale))));
        y = tf.math.mul(centred, scale);
      } else {
        Operand<T> kernel = gain == null ? conv.kernel() : tf.math.mul(unitKernel, gain);
        y = tf.nn.biasAdd(tf.nn.conv2d(x, kernel, STRIDES, "SAME"), conv.bias());
      }
      if (probes != null && conv.fromData()) {
        probes.convOutputs().add(new ConvOutput<>(conv.name(), conv.initScale(), y));
      }
      return y;
    }

    /** Inverted dropout in training passes; the identity otherwise. */
    private Operand<T> dropout(Operand<T> x, long stream) {
      Operand<T> y = x;
      if (dropout > 0.0 && context.isTraining()) {
        Operand<T> uniform = tf.random.statelessRandomUniform(tf.shape(x), parameters.derivedSeed(tf, stream), type);
        Operand<T> keep = tf.dtypes.cast(tf.math.greaterEqual(uniform, scalar(dropout)), type);
        // The mask is a constant of the pass: nothing to differentiate through the random op.
        Operand<T> mask = tf.stopGradient(tf.math.mul(keep, scalar(1.0 / (1.0 - dropout))));
        y = tf.math.mul(x, mask);
      }
      if (probes != null) {
        probes.dropoutOutputs().add(y);
      }
      return y;
    }

    private Operand<T> concatElu(Operand<T> h) {
      return tf.nn.elu(tf.concat(List.of(h, tf.math.neg(h)), tf.constant(3)));
    }

    /** The gated linear unit over the channel halves: {@code a · σ(b)}. */
    private Operand<T> gate(Operand<T> ab) {
      List<Operand<T>> parts = split(ab, width, width);
      return tf.math.mul(parts.get(0), tf.math.sigmoid(parts.get(1)));
    }

    private List<Operand<T>> split(Operand<T> x, int... sizes) {
      SplitV<T> split = tf.splitV(x, tf.constant(sizes), tf.constant(3), (long) sizes.length);
      return new ArrayList<Operand<T>>(split.output());
    }

    /** Layer norm over the channels, with a learned scale and shift per channel. */
    private Operand<T> layerNorm(Operand<T> x, Variable<T> scale, Variable<T> shift) {
      Operand<T> mean = tf.math.mean(x, tf.constant(3), Mean.keepDims(true));
      Operand<T> centred = tf.math.sub(x, mean);
      Operand<T> variance = tf.math.mean(tf.math.mul(centred, centred), tf.constant(3), Mean.keepDims(true));
      Operand<T> normalised = tf.math.div(centred,
          tf.math.sqrt(tf.math.add(variance, scalar(LAYER_NORM_EPSILON))));
      return tf.math.add(tf.math.mul(normalised, scale), shift);
    }

    /**
     * Multi-head scaled dot-product self-attention over the pixels: {@code softmax(q kᵀ / √d) v} per head, heads
     * concatenated back into the channels. Input {@code [batch, h, w, 3·width]} (queries, keys, values).
     */
    private Operand<T> attention(Operand<T> queryKeyValue) {
      List<Operand<T>> qkv = split(queryKeyValue, width, width, width);
      int perHead = width / heads;
      Operand<T> q = toHeads(qkv.get(0), perHead);
      Operand<T> k = toHeads(qkv.get(1), perHead);
      Operand<T> v = toHeads(qkv.get(2), perHead);
      Operand<T> scores = tf.math.mul(matmul(q, k, true), scalar(1.0 / Math.sqrt(perHead)));
      Operand<T> weights = tf.nn.softmax(scores);
      Operand<T> attended = matmul(weights, v, false); // [batch, heads, positions, perHead]
      Operand<T> positionsFirst = tf.linalg.transpose(attended, tf.constant(new int[] {0, 2, 1, 3}));
      return tf.reshape(positionsFirst, Tensors.batchShape(tf, new int[] {height, imageWidth, width}));
    }

    /** {@code [batch, h, w, width]} to {@code [batch, heads, h·w, width / heads]}. */
    private Operand<T> toHeads(Operand<T> x, int perHead) {
      Operand<T> split = tf.reshape(x, Tensors.batchShape(tf, new int[] {height * imageWidth, heads, perHead}));
      return tf.linalg.transpose(split, tf.constant(new int[] {0, 2, 1, 3}));
    }

    private Operand<T> matmul(Operand<T> a, Operand<T> b, boolean transposeB) {
      return tf.train.batchMatMul(a, b, type, BatchMatMul.adjY(transposeB));
    }

    private Operand<T> scalar(double value) {
      return Tensors.scalar(tf, value, type);
    }
  }

  @Override
  public List<Variable<T>> variables() {
    return List.copyOf(variables);
  }

  private static double[] gaussian(java.util.SplittableRandom random, int size, double stddev) {
    double[] values = new double[size];
    for (int i = 0; i < size; i++) {
      values[i] = stddev * random.nextGaussian();
    }
    return values;
  }
}
