package org.flows4j.tf;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.data.Logit;
import org.flows4j.api.data.UniformDequantization;
import org.flows4j.api.data.VariationalDequantization;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
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
  private final @Nullable VariationalDequantizer<T> dequantizer;

  private LikelihoodModel(CompiledFlow<T> flow, @Nullable VariationalDequantizer<T> dequantizer) {
    this.flow = flow;
    this.type = flow.type();
    FlowSpec spec = flow.spec();
    this.dimension = spec.inputShape().size();
    this.dequantizer = dequantizer;
    if (spec.dequantization() instanceof UniformDequantization uniform) {
      this.levels = uniform.levels();
    } else if (spec.dequantization() instanceof VariationalDequantization variational) {
      this.levels = variational.levels();
    } else {
      this.levels = 0;
    }
    this.alpha = spec.logit() instanceof Logit logit ? logit.alpha() : Double.NaN;
  }

  /**
   * The model of a flow whose data need no learned part (no dequantization, uniform noise, or a logit).
   *
   * @throws IllegalArgumentException when the spec uses variational dequantization, whose dequantizer only
   *     {@link FlowCompiler#compileModel} compiles
   */
  public static <T extends TFloating> LikelihoodModel<T> of(CompiledFlow<T> flow) {
    if (flow.spec().dequantization() instanceof VariationalDequantization) {
      throw new IllegalArgumentException("the spec uses variational dequantization, whose dequantizer is part of "
          + "the model: compile it with FlowCompiler.compileModel(...)");
    }
    return new LikelihoodModel<>(flow, null);
  }

  static <T extends TFloating> LikelihoodModel<T> of(
      CompiledFlow<T> flow, @Nullable VariationalDequantizer<T> dequantizer) {
    return new LikelihoodModel<>(flow, dequantizer);
  }

  public CompiledFlow<T> flow() {
    return flow;
  }

  /**
   * The learned noise {@code q(u | x)} when the spec asks for Flow++'s variational dequantization; empty
   * otherwise.
   */
  public Optional<VariationalDequantizer<T>> dequantizer() {
    return Optional.ofNullable(dequantizer);
  }

  /** Every compiled step with its location: the flow's, then the dequantization flow's. */
  public List<CompiledStep<T>> steps() {
    ImmutableList.Builder<CompiledStep<T>> steps = ImmutableList.builder();
    steps.addAll(flow.steps());
    if (dequantizer != null) {
      steps.addAll(dequantizer.steps());
    }
    return steps.build();
  }

  /** Every variable the optimizer trains: the dequantizer's (if any), then the flow's. */
  public List<Variable<T>> trainableVariables() {
    ImmutableList.Builder<Variable<T>> all = ImmutableList.builder();
    if (dequantizer != null) {
      all.addAll(dequantizer.variables());
    }
    return all.addAll(flow.trainableVariables()).build();
  }

  /** Every non-trainable variable saved with the weights. */
  public List<Variable<?>> stateVariables() {
    ImmutableList.Builder<Variable<?>> all = ImmutableList.builder();
    if (dequantizer != null) {
      all.addAll(dequantizer.stateVariables());
    }
    return all.addAll(flow.stateVariables()).build();
  }

  /** True when every data-initialised layer, the dequantizer's included, has been initialised. */
  public Operand<TBool> initialized(Ops tf) {
    if (dequantizer == null) {
      return flow.initialized(tf);
    }
    return tf.math.logicalAnd(flow.initialized(tf), dequantizer.initialized(tf));
  }

  /** One op refreshing the normalisation state of every layer, the dequantization flow's included. */
  public Op normalizationUpdate(Ops tf, boolean thorough) {
    if (dequantizer == null) {
      return flow.normalizationUpdate(tf, thorough);
    }
    return tf.withControlDependencies(
        List.of(flow.normalizationUpdate(tf, thorough), dequantizer.normalizationUpdate(tf, thorough))).noOp();
  }

  /** The cheap normalisation update, run after every optimizer step. */
  public Op normalizationUpdate(Ops tf) {
    return normalizationUpdate(tf, false);
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
    return logProbFromRow(tf, x, noiseSeed, tf.constant(0L), mode);
  }

  /**
   * {@code log P(x)} with the dequantization noise of rows {@code [firstRow, firstRow + batch)} of the seed's stream
   * of noise rows ({@link Seeds#uniformRows}, or the variational dequantizer's ε rows): example i's noise depends on
   * the seed and {@code firstRow + i} only, so a batch scored in chunks draws the noise it draws whole.
   *
   * @param firstRow int64 scalar, at least 0
   */
  public Operand<T> logProbFromRow(Ops tf, Operand<T> x, Operand<TInt64> noiseSeed, Operand<TInt64> firstRow,
      FlowMode mode) {
    Preprocessed<T> in = preprocess(tf, x, noiseSeed, firstRow, mode, null);
    return tf.math.add(flow.logProb(tf, in.value(), mode), in.logDet());
  }

  /**
   * The training {@code log P(x)} (one noise draw, as {@link #logProb(Ops, Operand, Operand)}) whose pass also
   * initialises ActNorm in the first step it runs, collecting into {@code firstStep} (see
   * {@link FirstStepInitialization}).
   */
  public Operand<T> logProbInitializingInFirstStep(Ops tf, Operand<T> x, Operand<TInt64> noiseSeed,
      FirstStepInitialization<T> firstStep) {
    Preprocessed<T> in = preprocess(tf, x, noiseSeed, tf.constant(0L), FlowMode.TRAINING, null);
    PassContext<T> pass = PassContext.<T>training().initializingInFirstStep(firstStep);
    return tf.math.add(flow.logProb(tf, in.value(), pass), in.logDet());
  }

  /** {@link #logProbInitializingInFirstStep(Ops, Operand, Operand, FirstStepInitialization)} of a conditional flow. */
  public Operand<T> logProbInitializingInFirstStep(Ops tf, Operand<T> x, Operand<T> c, Operand<TInt64> noiseSeed,
      FirstStepInitialization<T> firstStep) {
    PassContext<T> pass = flow.withContext(tf, c, PassContext.<T>training().initializingInFirstStep(firstStep));
    Preprocessed<T> in = preprocess(tf, x, noiseSeed, tf.constant(0L), FlowMode.TRAINING, pass.condition());
    return tf.math.add(flow.logProb(tf, in.value(), pass), in.logDet());
  }

  /**
   * {@code log P(x | c)} per example for a conditional flow, with contexts {@code c} ({@code [batch, width]}: the
   * features, or the class index as a number); otherwise as {@link #logProb(Ops, Operand, Operand, FlowMode)}.
   */
  public Operand<T> logProb(Ops tf, Operand<T> x, Operand<T> c, Operand<TInt64> noiseSeed, FlowMode mode) {
    return logProbFromRow(tf, x, c, noiseSeed, tf.constant(0L), mode);
  }

  /** {@link #logProbFromRow(Ops, Operand, Operand, Operand, FlowMode)} of a conditional flow. */
  public Operand<T> logProbFromRow(Ops tf, Operand<T> x, Operand<T> c, Operand<TInt64> noiseSeed,
      Operand<TInt64> firstRow, FlowMode mode) {
    // One embedding of c serves the flow and the variational dequantizer's q(u | x, c).
    PassContext<T> pass = flow.withContext(tf, c, PassContext.of(mode));
    Preprocessed<T> in = preprocess(tf, x, noiseSeed, firstRow, mode, pass.condition());
    return tf.math.add(flow.logProb(tf, in.value(), pass), in.logDet());
  }

  /**
   * The importance-weighted bound {@code log (1/K) Σ_k exp(ELBO_k)} per example, {@code K = samples} (a scalar
   * int32, so one graph serves every K), with K independent dequantization draws (Burda et al. 2016, as Flow++
   * reports it). It is at least the one-draw bound in expectation, at most {@code log P(x)}, and tends to it as K
   * grows; K = 1 is {@link #logProb}. For continuous data the noise-free log-likelihood is returned. Costs K
   * passes: each example is repeated K times.
   */
  public Operand<T> importanceWeightedLogProb(
      Ops tf, Operand<T> x, Operand<TInt64> noiseSeed, Operand<TInt32> samples, FlowMode mode) {
    return importanceWeightedLogProbFromRow(tf, x, noiseSeed, tf.constant(0L), samples, mode);
  }

  /**
   * The same with the draws placed in the seed's stream of noise rows: draw k of example i is row
   * {@code firstRow + i·K + k}. A caller that scores the examples of an evaluation in chunks, or one example's draws
   * in chunks, and passes each chunk's first row ({@code start·K + firstDraw}) gets every draw of the single call,
   * so the chunked figure equals the single-call one (up to float round-off in combining the chunks).
   *
   * @param firstRow int64 scalar, at least 0
   */
  public Operand<T> importanceWeightedLogProbFromRow(Ops tf, Operand<T> x, Operand<TInt64> noiseSeed,
      Operand<TInt64> firstRow, Operand<TInt32> samples, FlowMode mode) {
    if (levels == 0) {
      return logProb(tf, x, noiseSeed, mode);
    }
    return importanceWeighted(tf, samples,
        logProbFromRow(tf, repeat(tf, x, samples, flow.spec().inputShape().rank()), noiseSeed, firstRow, mode));
  }

  /**
   * The importance-weighted bound of {@code log P(x | c)} for a conditional flow: as
   * {@link #importanceWeightedLogProb(Ops, Operand, Operand, Operand, FlowMode)}, each draw of example i with the
   * context {@code c[i]}.
   */
  public Operand<T> importanceWeightedLogProb(
      Ops tf, Operand<T> x, Operand<T> c, Operand<TInt64> noiseSeed, Operand<TInt32> samples, FlowMode mode) {
    return importanceWeightedLogProbFromRow(tf, x, c, noiseSeed, tf.constant(0L), samples, mode);
  }

  /** The conditional bound with the draws placed from {@code firstRow}, as the unconditional one. */
  public Operand<T> importanceWeightedLogProbFromRow(Ops tf, Operand<T> x, Operand<T> c,
      Operand<TInt64> noiseSeed, Operand<TInt64> firstRow, Operand<TInt32> samples, FlowMode mode) {
    if (levels == 0) {
      return logProb(tf, x, c, noiseSeed, mode);
    }
    Operand<T> repeatedX = repeat(tf, x, samples, flow.spec().inputShape().rank());
    Operand<T> repeatedC = repeat(tf, c, samples, 1);
    return importanceWeighted(tf, samples, logProbFromRow(tf, repeatedX, repeatedC, noiseSeed, firstRow, mode));
  }

  /**
   * Each example of {@code x} (of rank {@code rank}) {@code samples} times in a row: row {@code i·K + k} is draw k
   * of example i, so an example's draws are consecutive rows of the noise stream.
   */
  private Operand<T> repeat(Ops tf, Operand<T> x, Operand<TInt32> samples, int rank) {
    Operand<T> expanded = tf.expandDims(x, tf.constant(1));
    Operand<TInt32> multiples = tf.concat(List.of(tf.constant(new int[] {1}),
        tf.reshape(samples, tf.constant(new int[] {1})), tf.fill(tf.constant(new int[] {rank}), tf.constant(1))),
        tf.constant(0));
    Operand<TInt32> shape = tf.concat(List.of(tf.constant(new int[] {-1}),
        tf.slice(tf.shape(x), tf.constant(new int[] {1}), tf.constant(new int[] {rank}))), tf.constant(0));
    return tf.reshape(tf.tile(expanded, multiples), shape);
  }

  /** {@code log (1/K) Σ_k exp(bound_k)} per example, from the bounds of the repeated batch. */
  private Operand<T> importanceWeighted(Ops tf, Operand<TInt32> samples, Operand<T> repeatedBounds) {
    // Row i·K + k is draw k of example i.
    Operand<T> perDraw = tf.reshape(repeatedBounds, tf.stack(List.of(tf.constant(-1), samples)));
    Operand<T> max = tf.reduceMax(perDraw, tf.constant(1));
    Operand<T> sum = tf.reduceSum(tf.math.exp(tf.math.sub(perDraw, tf.expandDims(max, tf.constant(1)))),
        tf.constant(1));
    Operand<T> logMean = tf.math.sub(tf.math.log(sum), tf.math.log(tf.dtypes.cast(samples, type)));
    return tf.math.add(max, logMean);
  }

  /** {@code -logProb / (D·ln 2)}. */
  public Operand<T> bitsPerDim(Ops tf, Operand<T> logProb) {
    return tf.math.mul(logProb, Tensors.scalar(tf, -1.0 / (dimension * Math.log(2)), type));
  }

  /**
   * The data-dependent initialisation (ActNorm, weight normalisation) on a batch: the dequantization flow's on its
   * noise, and the flow's on the preprocessed batch. The latter is dequantized with the dequantization flow's
   * values from before this initialisation; at that point the flow is close to σ(ε) either way, since couplings
   * start as the identity and ActNorm on standard-normal noise is nearly so.
   */
  public Op dataInitialization(Ops tf, Operand<T> x, Operand<TInt64> noiseSeed) {
    List<Op> initOps = new ArrayList<>();
    if (dequantizer != null) {
      dequantizer.addDataInitialization(tf, bins(tf, x), noiseSeed, initOps);
    }
    initOps.add(flow.dataInitialization(tf, preprocess(tf, x, noiseSeed, FlowMode.TRAINING).value()));
    return tf.withControlDependencies(initOps).noOp();
  }

  /** {@link #dataInitialization(Ops, Operand, Operand)} for a conditional flow, with the batch's contexts. */
  public Op dataInitialization(Ops tf, Operand<T> x, Operand<T> c, Operand<TInt64> noiseSeed) {
    List<Op> initOps = new ArrayList<>();
    Operand<T> condition = flow.withContext(tf, c, PassContext.training()).condition();
    if (dequantizer != null) {
      dequantizer.addDataInitialization(tf, bins(tf, x), noiseSeed, initOps, condition);
    }
    initOps.add(flow.dataInitialization(tf, preprocess(tf, x, noiseSeed, null, FlowMode.TRAINING, condition).value(),
        c));
    return tf.withControlDependencies(initOps).noOp();
  }

  /** Data → latent, deterministic: discrete data are placed at the centres of their bins. */
  public Transformed<T> encode(Ops tf, Operand<T> x) {
    Preprocessed<T> in = preprocess(tf, x, null, FlowMode.EVALUATION);
    Transformed<T> z = flow.forwardAndLogDet(tf, in.value(), FlowMode.EVALUATION);
    return new Transformed<>(z.value(), tf.math.add(z.logDet(), in.logDet()));
  }

  /** {@link #encode(Ops, Operand)} for a conditional flow, row i with the context {@code c[i]}. */
  public Transformed<T> encode(Ops tf, Operand<T> x, Operand<T> c) {
    Preprocessed<T> in = preprocess(tf, x, null, FlowMode.EVALUATION);
    Transformed<T> z = flow.forwardAndLogDet(tf, in.value(), flow.withContext(tf, c, PassContext.evaluation()));
    return new Transformed<>(z.value(), tf.math.add(z.logDet(), in.logDet()));
  }

  /** {@link #decode(Ops, Operand)} for a conditional flow, row i with the context {@code c[i]}. */
  public Operand<T> decode(Ops tf, Operand<T> z, Operand<T> c) {
    return fromBinUnits(tf, unlogit(tf, flow.inverse(tf, z, flow.withContext(tf, c, PassContext.evaluation()))
        .value()));
  }

  /**
   * Latent → data units, the inverse of {@link #encode}: continuous values (for images, the bin index scaled to
   * 8-bit units, so {@code decode(encode(p)) = p} for 8-bit data at 256 levels).
   */
  public Operand<T> decode(Ops tf, Operand<T> z) {
    return fromBinUnits(tf, unlogit(tf, flow.inverse(tf, z, PassContext.evaluation()).value()));
  }

  /** Flow outputs in [0, 1] (after the logit's inverse) to data units: bin index scaled to 8-bit units. */
  private Operand<T> fromBinUnits(Ops tf, Operand<T> y) {
    if (levels == 0) {
      return y;
    }
    Operand<T> bin = tf.math.sub(tf.math.mul(y, scalar(tf, levels)), scalar(tf, 0.5));
    return tf.math.mul(bin, scalar(tf, 256.0 / levels));
  }

  /** Samples in data units; for images, quantised pixel values in {@code [0, 255]}. */
  public Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed) {
    return toDataUnits(tf, flow.sample(tf, n, temperature, seed));
  }

  /** Samples of a conditional flow in data units, row i for the context {@code c[i]}. */
  public Operand<T> sample(
      Ops tf, Operand<TInt32> n, Operand<T> c, Operand<T> temperature, Operand<TInt64> seed) {
    return toDataUnits(tf, flow.sample(tf, n, c, temperature, seed));
  }

  /**
   * Rows {@code [firstRow, firstRow + n)} of the samples {@code seed} defines, in data units
   * ({@link CompiledFlow#sampleRows}): chunks of any size give the samples of one call.
   */
  public Operand<T> sampleRows(
      Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed, Operand<TInt64> firstRow) {
    return toDataUnits(tf, flow.sampleRows(tf, n, temperature, seed, firstRow));
  }

  /** {@link #sampleRows(Ops, Operand, Operand, Operand, Operand)} of a conditional flow, row i for {@code c[i]}. */
  public Operand<T> sampleRows(Ops tf, Operand<TInt32> n, Operand<T> c, Operand<T> temperature,
      Operand<TInt64> seed, Operand<TInt64> firstRow) {
    return toDataUnits(tf, flow.sampleRows(tf, n, c, temperature, seed, firstRow));
  }

  /** Flow samples to data units; for images, quantised pixel values in {@code [0, 255]}. */
  private Operand<T> toDataUnits(Ops tf, Operand<T> flowSample) {
    Operand<T> y = unlogit(tf, flowSample);
    if (levels == 0) {
      return y;
    }
    Operand<T> bin = tf.math.floor(tf.math.mul(y, scalar(tf, levels)));
    Operand<T> clipped = tf.math.minimum(tf.math.maximum(bin, scalar(tf, 0)), scalar(tf, levels - 1));
    return tf.math.mul(clipped, scalar(tf, 256.0 / levels));
  }

  private record Preprocessed<T extends TFloating>(Operand<T> value, Operand<T> logDet) {}

  /** 8-bit pixel values to bin indices {@code floor(p·n/256)}. */
  private Operand<T> bins(Ops tf, Operand<T> x) {
    return tf.math.floor(tf.math.mul(x, scalar(tf, levels / 256.0)));
  }

  /**
   * Data units → flow input, with the log-det of every step: the −D·log n of the bins, and for variational
   * dequantization −log q(u | x) (so the sum is the ELBO's integrand); without a seed, bin centres.
   */
  private Preprocessed<T> preprocess(Ops tf, Operand<T> x, @Nullable Operand<TInt64> noiseSeed, FlowMode mode) {
    return preprocess(tf, x, noiseSeed, null, mode, null);
  }

  /**
   * With the noise of rows {@code [firstRow, …)} of the seed's stream (0 when null) and the flow's embedded context,
   * which a variational dequantizer of a conditional flow receives.
   */
  private Preprocessed<T> preprocess(Ops tf, Operand<T> x, @Nullable Operand<TInt64> noiseSeed,
      @Nullable Operand<TInt64> firstRow, FlowMode mode, @Nullable Operand<T> condition) {
    Operand<TInt64> first = firstRow != null ? firstRow : tf.constant(0L);
    if (levels == 0) {
      return new Preprocessed<>(x, Tensors.zerosPerExample(tf, x, type));
    }
    Operand<T> bin = bins(tf, x);
    Operand<T> offset;
    Operand<T> binLogDet = Tensors.perExample(tf, scalar(tf, -dimension * Math.log(levels)), x);
    if (noiseSeed == null) {
      offset = scalar(tf, 0.5);
    } else if (dequantizer != null) {
      Transformed<T> noise = dequantizer.sample(tf, bin, noiseSeed, first, mode, condition);
      offset = noise.value();
      binLogDet = tf.math.sub(binLogDet, noise.logDet());
    } else {
      offset = tf.reshape(Seeds.uniformRows(tf, Tensors.batchSize(tf, x), dimension, noiseSeed, first, type),
          tf.shape(x));
    }
    Operand<T> y = tf.math.div(tf.math.add(bin, offset), scalar(tf, levels));
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
