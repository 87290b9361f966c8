package org.flows4j.tf;

import org.flows4j.api.FlowSpec;
import org.flows4j.api.data.Logit;
import org.flows4j.api.data.UniformDequantization;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * A compiled flow together with the way data reach it, with every term of the likelihood counted.
 *
 * <p>Data units: for continuous data, the data themselves. For dequantized images, 8-bit pixel values in
 * {@code [0, 255]} (as floats), whatever the number of levels: the reduction to {@code n} levels happens here, so an
 * exported model takes ordinary pixels. With {@code q = floor(p·n/256)}, {@code y = (q + u)/n}, {@code u ~ U[0,1)}
 * and the optional logit {@code v = logit(s)}, {@code s = α + (1 - 2α)·y}:
 *
 * <pre>
 *   log P(q) ≥ log p_flow(v) + Σ_d [log(1 - 2α) - log s_d - log(1 - s_d)] - D·log n
 *   bits/dim = -log P(q) / (D·ln 2)
 * </pre>
 *
 * The bound is the dequantization bound of Theis et al. (2016) used by RealNVP, Glow and Flow++; it is what those
 * papers report as bits/dim. The known-answer test checks it on a flow whose dequantized density is uniform.
 */
public final class LikelihoodModel<T extends TFloating> {
  /** Keeps the logit's argument inside (0, 1) in float32 when α = 0 and the noise hits a bin edge. */
  private static final double LOGIT_GUARD = 1e-6;

  private final CompiledFlow<T> flow;
  private final Class<T> type;
  private final int dimension;
  private final int levels; // 0 for continuous data
  private final double alpha; // NaN without logit

  private LikelihoodModel(CompiledFlow<T> flow) {
    this.flow = flow;
    this.type = flow.type();
    FlowSpec spec = flow.spec();
    this.dimension = spec.inputShape().size();
    this.levels = spec.dequantization() instanceof UniformDequantization uniform ? uniform.levels() : 0;
    this.alpha = spec.logit() instanceof Logit logit ? logit.alpha() : Double.NaN;
  }

  public static <T extends TFloating> LikelihoodModel<T> of(CompiledFlow<T> flow) {
    return new LikelihoodModel<>(flow);
  }

  public CompiledFlow<T> flow() {
    return flow;
  }

  /** True when data are discrete pixels (bits/dim is then the papers' figure). */
  public boolean isDiscrete() {
    return levels > 0;
  }

  /**
   * {@code log P(x)} per example in nats (for discrete data, the dequantization bound at one noise draw, seeded by
   * {@code noiseSeed}, {@code [2]} int64).
   */
  public Operand<T> logProb(Ops tf, Operand<T> x, Operand<TInt64> noiseSeed) {
    return logProb(tf, x, noiseSeed, FlowMode.TRAINING);
  }

  /** {@code log P(x)} with the flow's estimators for {@code mode} (evaluation: the ones for reported figures). */
  public Operand<T> logProb(Ops tf, Operand<T> x, Operand<TInt64> noiseSeed, FlowMode mode) {
    Preprocessed<T> in = preprocess(tf, x, noiseSeed);
    return tf.math.add(flow.logProb(tf, in.value(), mode), in.logDet());
  }

  /** {@code -logProb / (D·ln 2)}. */
  public Operand<T> bitsPerDim(Ops tf, Operand<T> logProb) {
    return tf.math.mul(logProb, Tensors.scalar(tf, -1.0 / (dimension * Math.log(2)), type));
  }

  /** ActNorm's data-dependent initialisation, run on the preprocessed batch. */
  public Op dataInitialization(Ops tf, Operand<T> x, Operand<TInt64> noiseSeed) {
    return flow.dataInitialization(tf, preprocess(tf, x, noiseSeed).value());
  }

  /** Data → latent, deterministic: discrete data are placed at the centres of their bins. */
  public Transformed<T> encode(Ops tf, Operand<T> x) {
    Preprocessed<T> in = preprocess(tf, x, null);
    Transformed<T> z = flow.forwardAndLogDet(tf, in.value(), FlowMode.EVALUATION);
    return new Transformed<>(z.value(), tf.math.add(z.logDet(), in.logDet()));
  }

  /**
   * Latent → data units, the inverse of {@link #encode}: continuous values (for images, the bin index scaled to
   * 8-bit units, so {@code decode(encode(p)) = p} for 8-bit data at 256 levels).
   */
  public Operand<T> decode(Ops tf, Operand<T> z) {
    Operand<T> y = unlogit(tf, flow.inverse(tf, z).value());
    if (levels == 0) {
      return y;
    }
    Operand<T> bin = tf.math.sub(tf.math.mul(y, scalar(tf, levels)), scalar(tf, 0.5));
    return tf.math.mul(bin, scalar(tf, 256.0 / levels));
  }

  /** Samples in data units; for images, quantised pixel values in {@code [0, 255]}. */
  public Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed) {
    Operand<T> y = unlogit(tf, flow.sample(tf, n, temperature, seed));
    if (levels == 0) {
      return y;
    }
    Operand<T> bin = tf.math.floor(tf.math.mul(y, scalar(tf, levels)));
    Operand<T> clipped = tf.math.minimum(tf.math.maximum(bin, scalar(tf, 0)), scalar(tf, levels - 1));
    return tf.math.mul(clipped, scalar(tf, 256.0 / levels));
  }

  private record Preprocessed<T extends TFloating>(Operand<T> value, Operand<T> logDet) {}

  /** Data units → flow input, with the log-det of every step (and the −D·log n of the bins). */
  private Preprocessed<T> preprocess(Ops tf, Operand<T> x, @Nullable Operand<TInt64> noiseSeed) {
    if (levels == 0) {
      return new Preprocessed<>(x, Tensors.zerosPerExample(tf, x, type));
    }
    Operand<T> bin = tf.math.floor(tf.math.mul(x, scalar(tf, levels / 256.0)));
    Operand<T> offset = noiseSeed == null
        ? scalar(tf, 0.5)
        : tf.random.statelessRandomUniform(tf.shape(x), noiseSeed, type);
    Operand<T> y = tf.math.div(tf.math.add(bin, offset), scalar(tf, levels));
    Operand<T> binLogDet = Tensors.perExample(tf, scalar(tf, -dimension * Math.log(levels)), x);
    if (Double.isNaN(alpha)) {
      return new Preprocessed<>(y, binLogDet);
    }
    Operand<T> s = clamp(tf, tf.math.add(scalar(tf, alpha), tf.math.mul(y, scalar(tf, 1 - 2 * alpha))));
    Operand<T> logS = tf.math.log(s);
    Operand<T> log1mS = tf.math.log1p(tf.math.neg(s));
    Operand<T> v = tf.math.sub(logS, log1mS);
    // d v / d y = (1 - 2α) / (s (1 - s))
    Operand<T> perScalar = tf.math.sub(scalar(tf, Math.log(1 - 2 * alpha)), tf.math.add(logS, log1mS));
    int rank = flow.spec().inputShape().rank();
    Operand<T> logitLogDet = Tensors.sumPerExample(tf, perScalar, rank);
    return new Preprocessed<>(v, tf.math.add(binLogDet, logitLogDet));
  }

  /** The inverse of the logit transform: {@code y = (sigmoid(v) - α) / (1 - 2α)}. */
  private Operand<T> unlogit(Ops tf, Operand<T> v) {
    if (Double.isNaN(alpha)) {
      return v;
    }
    return tf.math.div(tf.math.sub(tf.math.sigmoid(v), scalar(tf, alpha)), scalar(tf, 1 - 2 * alpha));
  }

  private Operand<T> clamp(Ops tf, Operand<T> s) {
    return tf.math.minimum(tf.math.maximum(s, scalar(tf, LOGIT_GUARD)), scalar(tf, 1 - LOGIT_GUARD));
  }

  private Operand<T> scalar(Ops tf, double value) {
    return Tensors.scalar(tf, value, type);
  }
}
