package org.flows4j.tf.training;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Shape;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.CompiledStep;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.FirstStepInitialization;
import org.flows4j.tf.FlowMode;
import org.flows4j.tf.LikelihoodModel;
import org.flows4j.tf.Seeds;
import org.flows4j.tf.gradients.SafeGradients;
import org.flows4j.tf.layers.Tensors;
import org.flows4j.tf.residual.ResidualLayer;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Every op the trainer runs, built once in one graph (float32). A training step is two runs: {@code accumulate}
 * adds the batch's gradients to accumulators and reports whether they are finite; then the host either runs
 * {@code apply} (average, clip by global norm, optimizer update, EMA, clear) or {@code discard}. That split is what
 * lets a non-finite batch be skipped without touching the weights, and makes accumulation over k batches free.
 */
final class TrainingGraph {
  final Graph graph;
  final Ops tf;
  final CompiledFlow<TFloat32> flow;
  final LikelihoodModel<TFloat32> model;
  final Placeholder<TFloat32> data;
  final Placeholder<TInt64> noiseSeed;
  /**
   * The contexts of {@link #data} ({@code [batch, inputWidth]}: the features, or the class index as a number) for a
   * conditional flow; null for an unconditional one, whose graph has no such input.
   */
  final @Nullable Placeholder<TFloat32> context;
  /** Every replica's contexts concatenated, in the order of {@link #globalData}; null without a context. */
  final @Nullable Operand<TFloat32> globalContext;
  final Operand<TFloat32> meanNll;
  /** The mean NLL over every replica's batch (the local {@link #meanNll} when training alone). */
  final Operand<TFloat32> stepNll;
  /** Every replica's batch concatenated (the data-dependent initialisation's input); {@link #data} when alone. */
  final Operand<TFloat32> globalData;
  final Operand<TFloat32> meanBitsPerDim;
  /** Refreshes spectral norms thoroughly (residual blocks): at start-up and before evaluation. */
  final Op normalize;
  /**
   * Whether {@link #normalize} does anything: a flow without spectral norms skips its runs, two around every
   * sampling, evaluation and export with EMA weights (the emerging preset through the trainer, alternating runs:
   * 10.3 and 9.9 → 9.9 and 8.5 ms per call of 16 samples, medians of 21 calls in {@code SamplingProfile}).
   */
  final boolean normalizes;
  /** Built at the first data-dependent initialisation (see {@link #dataInitialization()}); null until then. */
  private @Nullable Op dataInit;
  final Operand<TBool> initialized;
  /**
   * ActNorm's initialisation inside the first step (see {@link FirstStepInitialization}): when training alone and
   * every data-initialised layer of the model is an ActNorm of the flow; null when the trainer runs the separate
   * {@link #dataInitialization()} pass instead.
   */
  final FirstStepInitialization.@Nullable Run<TFloat32> firstStepInitialization;
  final Op accumulate;
  /** Per gradient group (each layer, then the base): all gradients finite. Then the loss. */
  final Operand<TBool> finite;
  final List<String> groupNames;
  final Op apply;
  final Operand<TFloat32> gradientNorm;
  final Operand<TFloat32> learningRate;
  final Op discard;
  final Variable<TFloat32> optimizerStep;
  final WeightAverage<TFloat32> average;
  final Op averageSync;
  /** Built the first time the EMA weights are swapped in (see {@link #averageSwap()}); null until then. */
  private @Nullable AverageSwap averageSwap;
  /** The flat read of every weight that the average is synced, updated and swapped from. */
  private final Operand<TFloat32> weightVector;
  /** The residual blocks whose training estimator sums a series, by location, in the order of {@link #seriesTerms}. */
  final List<String> seriesTermBlocks;
  /** Per block of {@link #seriesTermBlocks}, the series terms its estimator draws in a training run; null if none. */
  final @Nullable Operand<TInt32> seriesTerms;
  /** Built at the first evaluation (see {@link #evaluation()}); null until then. */
  private @Nullable EvaluationOps evaluationOps;
  /** Built at the first sampling call (see {@link #sampling()}); null until then. */
  private @Nullable SamplingOps samplingOps;

  /**
   * The evaluation ops.
   *
   * @param meanNll the mean NLL with the evaluation estimators (what reported figures use)
   * @param logProb the importance-weighted bound per example (nats), for evaluations that combine chunks of draws
   * @param importanceSamples K of the importance-weighted bound; 1 (the default) is the plain dequantization bound
   */
  /**
   * The evaluation ops; {@code firstNoiseRow} places the call's draws in the noise seed's stream of rows (draw k of
   * example i is row {@code firstNoiseRow + i·K + k}; 0 unless fed), so chunks of an evaluation draw its noise.
   */
  record EvaluationOps(Operand<TFloat32> meanNll, Operand<TFloat32> logProb, Operand<TInt32> importanceSamples,
      Operand<TInt64> firstNoiseRow) {}

  /**
   * The sampling ops.
   *
   * @param context the contexts of the samples, one row per sample; null without a context
   * @param inverseBlocks the residual blocks inverted by the fixed-point iteration, in the order of {@code iterations}
   * @param iterations per block of {@code inverseBlocks}, the iterations its inverse took while drawing
   *     {@code samples}; null if none
   */
  record SamplingOps(Placeholder<TInt32> count, Placeholder<TFloat32> temperature, Placeholder<TInt64> seed,
      Placeholder<TInt64> firstRow, @Nullable Placeholder<TFloat32> context, Operand<TFloat32> samples, List<String> inverseBlocks,
      @Nullable Operand<TInt32> iterations) {}

  TrainingGraph(FlowSpec spec, TrainingOptions options) {
    this(spec, options, Replication.none());
  }

  TrainingGraph(FlowSpec spec, TrainingOptions options, Replication replication) {
    graph = new Graph();
    try {
      tf = Ops.create(graph);
      model = FlowCompiler.compileModel(tf, spec, options.seed());
      flow = model.flow();
      data = tf.withName("data").placeholder(TFloat32.class,
          Placeholder.shape(org.tensorflow.ndarray.Shape.of(batchDims(spec.inputShape(), -1))));
      noiseSeed = tf.withName("noise_seed").placeholder(TInt64.class,
          Placeholder.shape(org.tensorflow.ndarray.Shape.of(2)));
      int contextWidth = spec.context().inputWidth();
      context = spec.context().isConditional()
          ? tf.withName("context").placeholder(TFloat32.class,
              Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, contextWidth)))
          : null;
      // Each device draws its own dequantization noise (seed offset by its index; device 0 draws the usual).
      Operand<TFloat32> logProb;
      // Alone, ActNorm initialises inside the first step; a data-parallel run's initialisation sees every replica's
      // batch, which a replica's own step does not, so it keeps the separate pass on the gathered batch.
      @Nullable FirstStepInitialization<TFloat32> collector =
          replication.replicas() == 1 ? new FirstStepInitialization<>() : null;
      if (context == null) {
        logProb = replication.perExample(tf, data, (ops, part, device) -> collector == null
            ? model.logProb(ops, part, deviceNoiseSeed(ops, device))
            : model.logProbInitializingInFirstStep(ops, part, deviceNoiseSeed(ops, device), collector));
      } else {
        // The contexts travel with their examples through the replication's batch split: each row is the
        // flattened x followed by its context, unpacked again on each device.
        int width = spec.inputShape().size();
        Operand<TFloat32> rows = tf.concat(
            List.of(tf.reshape(data, tf.constant(new long[] {-1, width})), context), tf.constant(1));
        logProb = replication.perExample(tf, rows, (ops, part, device) -> {
          Operand<TFloat32> x = ops.reshape(
              ops.slice(part, ops.constant(new long[] {0, 0}), ops.constant(new long[] {-1, width})),
              ops.constant(batchDims(spec.inputShape(), -1)));
          Operand<TFloat32> c = ops.slice(
              part, ops.constant(new long[] {0, width}), ops.constant(new long[] {-1, contextWidth}));
          return collector == null
              ? model.logProb(ops, x, c, deviceNoiseSeed(ops, device), FlowMode.TRAINING)
              : model.logProbInitializingInFirstStep(ops, x, c, deviceNoiseSeed(ops, device), collector);
        });
      }
      firstStepInitialization = collector != null && collector.flagCount() > 0
          && collector.flagCount() == flagCount(model)
          ? new FirstStepInitialization.Run<>(collector.statistics(), collector.assignments(tf)) : null;
      meanNll = tf.withName("mean_nll").math.neg(tf.math.mean(logProb, tf.constant(0)));
      meanBitsPerDim = tf.math.mean(model.bitsPerDim(tf, logProb), tf.constant(0));
      normalize = model.normalizationUpdate(tf, true);
      normalizes = doesWork((GraphOperation) normalize.op());
      initialized = model.initialized(tf);

      List<Variable<TFloat32>> variables = model.trainableVariables();
      FlatLayout<TFloat32> layout = new FlatLayout<>(tf, variables, TFloat32.class);
      // One read of every weight as a flat vector, shared by the average's updates, syncs and swaps.
      Operand<TFloat32> weights = layout.read(tf, variables);
      List<Operand<TFloat32>> gradients = layout.flatten(tf, gradients(meanNll, variables));
      List<List<Integer>> groups = new ArrayList<>();
      List<String> names = new ArrayList<>();
      groupVariables(variables, groups, names);
      groupNames = ImmutableList.copyOf(names);
      Operand<TBool> localFinite = finiteFlags(gradients, groups);
      if (replication.replicas() == 1) {
        finite = localFinite;
        stepNll = meanNll;
        globalData = data;
        globalContext = context;
      } else {
        // One all-reduce per batch carries the flags and the loss: a step is skipped everywhere if any replica
        // saw a non-finite value, and the reported loss is that of the global batch.
        int flagCount = groups.size() + 1;
        Operand<TFloat32> packed = tf.concat(List.of(tf.dtypes.cast(localFinite, TFloat32.class),
            tf.reshape(meanNll, tf.constant(new int[] {1}))), tf.constant(0));
        Operand<TFloat32> agreed = replication.mean(tf, List.of(packed)).get(0);
        finite = tf.math.equal(tf.slice(agreed, tf.constant(new int[] {0}), tf.constant(new int[] {flagCount})),
            tf.constant(1f));
        stepNll = tf.reshape(tf.slice(agreed, tf.constant(new int[] {flagCount}), tf.constant(new int[] {1})),
            tf.constant(new int[0]));
        globalData = replication.globalBatch(tf, data);
        globalContext = context == null ? null : replication.globalBatch(tf, context);
      }

      // The gradients' running sum, one flat vector for every weight (see FlatLayout).
      Ops init = tf.withInitScope();
      Variable<TFloat32> accumulator = tf.withName("accumulated_gradient").variable(layout.zeros(init));
      accumulate = tf.assignAdd(accumulator, layout.join(tf, gradients));

      OptimizerUpdate<TFloat32> optimizer = new OptimizerUpdate<>(tf, options, TFloat32.class);
      optimizerStep = optimizer.step();
      learningRate = optimizer.learningRate(tf);
      Operand<TFloat32> averaged = tf.math.mul(accumulator, tf.constant((float) (1.0 / options.accumulationSteps())));
      // Data parallelism: every replica applies the mean of all replicas' gradients, so weights never drift.
      averaged = replication.mean(tf, List.of(averaged)).get(0);
      gradientNorm = tf.math.sqrt(tf.reduceSum(tf.math.square(averaged), tf.constant(0)));
      Operand<TFloat32> clipped = LearnedOrderGradients.add(tf, model, variables, layout,
          clip(averaged, gradientNorm, options.clipNorm()));
      OptimizerUpdate.Applied<TFloat32> applied = optimizer.apply(tf, variables, layout, clipped,
          options.usesEma() ? weights : null);
      Op update = applied.op();
      average = new WeightAverage<>(tf, variables, layout, options.emaDecay(), TFloat32.class);
      List<Op> afterUpdate = new ArrayList<>();
      Ops updated = tf.withControlDependencies(List.of(update));
      if (options.usesEma()) {
        // The weights after the step, as the variables' AssignSub computes them, without reading them again.
        afterUpdate.add(average.update(updated, optimizerStep, tf.math.sub(weights, applied.delta())));
      }
      afterUpdate.add(updated.assign(accumulator, updated.zerosLike(accumulator)));
      // Spectral norms follow the weights they normalise: power iteration after every update.
      afterUpdate.add(model.normalizationUpdate(updated));
      apply = tf.withControlDependencies(afterUpdate).noOp();
      discard = tf.assign(accumulator, tf.zerosLike(accumulator));
      averageSync = average.sync(tf, weights);
      weightVector = weights;

      // Diagnostics of the Residual Flows' blocks, for TensorBoard: terms drawn per step (iterations per sampling are
      // collected when the sampling ops are built).
      List<String> termBlocks = new ArrayList<>();
      List<Operand<TInt32>> terms = new ArrayList<>();
      for (CompiledStep<TFloat32> step : model.steps()) {
        if (step.layer() instanceof ResidualLayer<TFloat32> residual) {
          residual.trainingSeriesTerms(tf).ifPresent(count -> {
            termBlocks.add(step.location().path());
            terms.add(count);
          });
        }
      }
      seriesTermBlocks = List.copyOf(termBlocks);
      seriesTerms = terms.isEmpty() ? null : tf.stack(terms);
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  /** The model's "initialised" flags (ActNorm, weight-normalised conditioners, the dequantizer's). */
  private static int flagCount(LikelihoodModel<TFloat32> model) {
    int flags = 0;
    for (Variable<?> variable : model.stateVariables()) {
      if (variable.type() == TBool.class) {
        flags++;
      }
    }
    return flags;
  }

  /** Whether {@link #dataInitialization()} has been built (the separate pass asked for). */
  boolean hasDataInitialization() {
    return dataInit != null;
  }

  /**
   * ActNorm's (and other layers') data-dependent initialisation, added to the graph the first time it is asked for:
   * it is a whole forward pass, which a flow without data-initialised layers (the toy Residual Flow) or a resumed
   * trainer never runs, so building it up front only lengthened the graph every run hands to its session.
   */
  Op dataInitialization() {
    if (dataInit == null) {
      dataInit = context == null
          ? model.dataInitialization(tf, data, noiseSeed)
          : model.dataInitialization(tf, data, context, noiseSeed);
    }
    return dataInit;
  }

  /**
   * The evaluation ops, added to the graph the first time they are asked for. A deep flow's evaluation graph (other
   * estimators, importance weighting) is as large as its training graph; building it only when a run evaluates
   * halves the graph a training-only run builds, hands to its session and keeps in memory. TensorFlow sessions
   * accept ops added after they were created.
   */
  EvaluationOps evaluation() {
    if (evaluationOps == null) {
      Operand<TInt32> importanceSamples = tf.withName("importance_samples").placeholderWithDefault(
          tf.constant(1), org.tensorflow.ndarray.Shape.scalar());
      Operand<TInt64> firstNoiseRow = tf.withName("first_noise_row").placeholderWithDefault(
          tf.constant(0L), org.tensorflow.ndarray.Shape.scalar());
      Operand<TFloat32> logProb = context == null
          ? model.importanceWeightedLogProbFromRow(tf, data, noiseSeed, firstNoiseRow, importanceSamples,
              FlowMode.EVALUATION)
          : model.importanceWeightedLogProbFromRow(tf, data, context, noiseSeed, firstNoiseRow, importanceSamples,
              FlowMode.EVALUATION);
      Operand<TFloat32> meanNll = tf.withName("evaluation_mean_nll").math.neg(tf.math.mean(logProb,
          tf.constant(0)));
      evaluationOps = new EvaluationOps(meanNll, logProb, importanceSamples, firstNoiseRow);
    }
    return evaluationOps;
  }

  /** The sampling ops (inverse passes), added to the graph the first time they are asked for, as {@link #evaluation()}. */
  SamplingOps sampling() {
    if (samplingOps == null) {
      Placeholder<TInt32> count = tf.withName("sample_count").placeholder(TInt32.class);
      Placeholder<TFloat32> temperature = tf.withName("sample_temperature").placeholder(TFloat32.class);
      Placeholder<TInt64> seed = tf.withName("sample_seed").placeholder(TInt64.class);
      Placeholder<TInt64> firstRow = tf.withName("sample_first_row").placeholder(TInt64.class);
      Placeholder<TFloat32> sampleContext = context == null ? null : tf.withName("sample_context").placeholder(
          TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, model.flow().spec().context()
              .inputWidth())));
      Operand<TFloat32> samples = sampleContext == null
          ? model.sampleRows(tf, count, temperature, Seeds.statelessSeed(tf, seed), firstRow)
          : model.sampleRows(tf, count, sampleContext, temperature, Seeds.statelessSeed(tf, seed), firstRow);
      // Each residual block's fixed-point inverse built just now, by the sampling pass, is its last one.
      List<String> invertedBlocks = new ArrayList<>();
      List<Operand<TInt32>> iterations = new ArrayList<>();
      for (CompiledStep<TFloat32> step : model.steps()) {
        if (step.layer() instanceof ResidualLayer<TFloat32> residual) {
          List<Operand<TInt32>> inverses = residual.inverseIterations();
          if (!inverses.isEmpty()) {
            invertedBlocks.add(step.location().path());
            iterations.add(inverses.get(inverses.size() - 1));
          }
        }
      }
      samplingOps = new SamplingOps(count, temperature, seed, firstRow, sampleContext, samples, List.copyOf(invertedBlocks),
          iterations.isEmpty() ? null : tf.stack(iterations));
    }
    return samplingOps;
  }

  /** False for a NoOp whose control inputs are all such NoOps (what a model without normalisation builds). */
  static boolean doesWork(GraphOperation op) {
    if (!op.type().equals("NoOp")) {
      return true;
    }
    for (GraphOperation input : op.controlInputs()) {
      if (doesWork(input)) {
        return true;
      }
    }
    return false;
  }

  /** The ops that swap the EMA weights in and back out. */
  record AverageSwap(Op in, Op out) {}

  /**
   * The EMA weight swap, added to the graph the first time it is asked for: a training run that never evaluates,
   * samples or exports never swaps, and the swap's two loads per weight were an eighth of a deep Residual Flow's
   * training graph.
   */
  AverageSwap averageSwap() {
    if (averageSwap == null) {
      averageSwap = new AverageSwap(average.swapIn(tf, weightVector), average.swapOut(tf));
    }
    return averageSwap;
  }

  /** Device 0 draws the usual noise; the others offset the seed by their index. */
  private Operand<TInt64> deviceNoiseSeed(Ops ops, int device) {
    return device == 0 ? noiseSeed : ops.math.add(noiseSeed, ops.constant(new long[] {0, device}));
  }

  static long[] batchDims(Shape shape, long batch) {
    long[] dims = new long[shape.rank() + 1];
    dims[0] = batch;
    for (int i = 0; i < shape.rank(); i++) {
      dims[i + 1] = shape.dim(i);
    }
    return dims;
  }

  private List<Operand<TFloat32>> gradients(Operand<TFloat32> loss, List<Variable<TFloat32>> variables) {
    List<Operand<TFloat32>> result = new ArrayList<>();
    // A variable with no path to the loss (possible in custom specs) gets a zero gradient rather than an error.
    for (Operand<?> g : SafeGradients.gradientsOrZeros(tf, loss, variables)) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> gradient = (Operand<TFloat32>) g;
      result.add(gradient);
    }
    return result;
  }

  /**
   * Groups variable indices by layer (in application order), then by the dequantization flow's layers and context
   * network, then the base distribution's; empty groups are left out.
   */
  private void groupVariables(List<Variable<TFloat32>> variables, List<List<Integer>> groups, List<String> names) {
    List<Variable<TFloat32>> remaining = new ArrayList<>(variables);
    for (CompiledStep<TFloat32> step : model.steps()) {
      addGroup(variables, remaining, step.layer().variables(), step.location().toString(), groups, names);
    }
    model.flow().auxiliaryVariableGroups().forEach(
        (name, members) -> addGroup(variables, remaining, members, name, groups, names));
    model.dequantizer().ifPresent(dequantizer -> addGroup(
        variables, remaining, dequantizer.contextVariables(), "dequantization.context", groups, names));
    addGroup(variables, remaining, List.copyOf(remaining), "base distribution", groups, names);
  }

  /** Adds {@code members}' indices as one group named {@code name}, and takes them off {@code remaining}. */
  private static void addGroup(List<Variable<TFloat32>> variables, List<Variable<TFloat32>> remaining,
      List<Variable<TFloat32>> members, String name, List<List<Integer>> groups, List<String> names) {
    List<Integer> group = new ArrayList<>();
    for (Variable<TFloat32> v : members) {
      group.add(variables.indexOf(v));
      remaining.remove(v);
    }
    if (!group.isEmpty()) {
      groups.add(group);
      names.add(name);
    }
  }

  /**
   * One flag per group (all its gradients finite), then one for the loss; {@code gradients} are the flattened
   * per-variable gradients.
   */
  private Operand<TBool> finiteFlags(List<Operand<TFloat32>> gradients, List<List<Integer>> groups) {
    List<Operand<TBool>> flags = new ArrayList<>();
    for (List<Integer> group : groups) {
      List<Operand<TFloat32>> members = new ArrayList<>();
      for (int index : group) {
        members.add(gradients.get(index));
      }
      Operand<TFloat32> values = members.size() == 1 ? members.get(0) : tf.concat(members, tf.constant(0));
      flags.add(tf.reduceAll(tf.math.isFinite(values), tf.constant(0)));
    }
    flags.add(tf.math.isFinite(meanNll));
    return tf.stack(flags);
  }

  /** Global-norm clipping: the gradient times {@code min(1, clip / norm)}. */
  private Operand<TFloat32> clip(Operand<TFloat32> gradient, Operand<TFloat32> norm, double clipNorm) {
    if (Double.isInfinite(clipNorm)) {
      return gradient;
    }
    Operand<TFloat32> scale = tf.math.minimum(tf.constant(1f),
        tf.math.div(tf.constant((float) clipNorm), tf.math.maximum(norm, tf.constant(1e-12f))));
    return tf.math.mul(gradient, scale);
  }
}
