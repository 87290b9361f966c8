package org.flows4j.tf.training;

import com.google.common.base.Preconditions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.api.Shape;
import org.flows4j.api.step.ActNorm;
import org.flows4j.tf.FirstStepInitialization;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.ImportanceSamples;
import org.flows4j.tf.InsufficientMemoryException;
import org.flows4j.tf.LikelihoodModel;
import org.flows4j.tf.MemoryEstimate;
import org.flows4j.tf.SampleChunks;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.residual.ResidualLayer;
import org.flows4j.api.context.ClassContext;
import org.tensorflow.Operand;
import org.flows4j.tf.export.SavedModelWriter;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.jspecify.annotations.Nullable;

/**
 * Trains a flow by maximum likelihood in float32, in one TensorFlow graph: mean negative log-likelihood per example
 * (nats; bits/dim for images), Adam or Adamax, warm-up and schedule, global-norm clipping, gradient accumulation,
 * an EMA of the weights for evaluation/sampling/export, a guard against non-finite steps, and atomic checkpoints
 * from which {@link #resume} continues exactly. Owns its graph and session: close it.
 *
 * <p>Data are row-major floats, {@code n} examples of the spec's input shape, in data units (8-bit pixel values for
 * dequantized images). The first step runs ActNorm's data-dependent initialisation on its batch.
 */
public final class Trainer implements AutoCloseable {
  private final FlowSpec spec;
  private final TrainingOptions options;
  private final TrainingGraph g;
  private final Replication replication;
  private final Session session;
  private long steps;
  private long batches;
  private int pendingBatches;
  private double pendingLoss;
  private int consecutiveBad;
  /** The folder this trainer's checkpoints go to: the one it resumed from, or the first it saved into. */
  private @Nullable Path checkpointRoot;
  private @Nullable Path resumedFrom;
  private List<String> skippedCheckpoints = List.of();
  private Map<String, Integer> inverseIterations = Map.of();
  /** Data-dependent initialisation only goes from pending to done, so once seen done it is not asked again. */
  private boolean dataInitialized;

  private Trainer(FlowSpec spec, TrainingOptions options, @Nullable Path checkpoint,
      @Nullable TrainerState state, Replication replication) {
    this.spec = spec;
    this.options = options;
    this.replication = replication;
    this.g = new TrainingGraph(spec, options, replication);
    Session opened;
    try {
      opened = replication.openSession(g.graph,
          SessionConfigs.training(options, ResidualLayer.blocksCalledAsFunctionsIn(g.graph)));
    } catch (RuntimeException e) {
      g.graph.close();
      throw e;
    }
    this.session = opened;
    try {
      if (checkpoint == null || state == null) {
        session.initialize();
        // Start from converged spectral-norm estimates, and the weight average from the initial weights (a flow
        // with data-dependent initialisation syncs it again once that has run).
        Session.Runner start = session.runner().addTarget(g.normalize);
        if (options.usesEma()) {
          start.addTarget(g.averageSync);
        }
        start.run().close();
      } else {
        Checkpoints.restore(checkpoint, session);
        this.steps = state.steps();
        this.batches = state.batches();
      }
      long[] counters = replication.adoptChiefState(g.graph, session, fingerprint(), new long[] {steps, batches});
      this.steps = counters[0];
      this.batches = counters[1];
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * A fresh trainer: weights from the options' seed.
   *
   * @throws InsufficientMemoryException if the flow's weights and one example's activations (estimated from the
   *     spec, see {@link MemoryEstimate}) exceed the memory available: refused before the graph is built
   */
  public static Trainer create(FlowSpec spec, TrainingOptions options) {
    return create(spec, options, Replication.none());
  }

  /**
   * A fresh trainer that is one replica of a data-parallel run (see {@code org.flows4j.tf.distributed}): every
   * replica starts from the chief's weights and applies the same averaged update.
   */
  public static Trainer create(FlowSpec spec, TrainingOptions options, Replication replication) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(replication, "replication");
    MemoryEstimate.training(spec, 1).checkFits("training this flow",
        "Use a smaller input, fewer steps or narrower conditioners.");
    return new Trainer(spec, options, null, null, replication);
  }

  /**
   * Continues from the newest checkpoint in {@code checkpointRoot}: same spec, options, weights, optimizer slots,
   * EMA, ActNorm state and counters, so training goes on exactly as if it had never stopped. When the newest
   * checkpoint is damaged (incomplete, a corrupt {@code trainer.json}, variable files that do not restore), it falls
   * back to the newest intact older one; {@link #skippedCheckpoints()} says which were passed over and why.
   *
   * @throws CheckpointException if there is no checkpoint, {@code latest} does not name one of {@code
   *     checkpointRoot}'s checkpoint folders, or none is intact (the message is the newest one's problem)
   */
  public static Trainer resume(Path checkpointRoot) {
    return resume(checkpointRoot, Replication.none());
  }

  /** {@link #resume(Path)} as the chief of a data-parallel run: the other replicas adopt the restored state. */
  public static Trainer resume(Path checkpointRoot, Replication replication) {
    Objects.requireNonNull(checkpointRoot, "checkpointRoot");
    Objects.requireNonNull(replication, "replication");
    List<String> skipped = new ArrayList<>();
    CheckpointException newestProblem = null;
    for (Path checkpoint : Checkpoints.candidates(checkpointRoot)) {
      try {
        Trainer trainer = resumeFrom(checkpointRoot, checkpoint, replication);
        trainer.skippedCheckpoints = List.copyOf(skipped);
        return trainer;
      } catch (CheckpointException e) {
        if (newestProblem == null) {
          newestProblem = e;
        }
        skipped.add(e.getMessage());
      }
    }
    throw Objects.requireNonNull(newestProblem);
  }

  /** Continues from the checkpoint of {@code step} in {@code checkpointRoot} (to go back past a bad stretch). */
  public static Trainer resume(Path checkpointRoot, long step) {
    Objects.requireNonNull(checkpointRoot, "checkpointRoot");
    return resumeFrom(checkpointRoot, Checkpoints.at(checkpointRoot, step), Replication.none());
  }

  private static Trainer resumeFrom(Path checkpointRoot, Path checkpoint, Replication replication) {
    Checkpoints.checkComplete(checkpoint);
    TrainerState state = Checkpoints.readState(checkpoint);
    FlowSpec spec;
    try {
      spec = FlowSpecJson.fromJson(state.specJson());
    } catch (IllegalArgumentException e) {
      throw new CheckpointException("checkpoint " + checkpoint + " holds a spec that cannot be read back: "
          + e.getMessage().lines().findFirst().orElse(""), e);
    }
    Trainer trainer = new Trainer(spec, state.options(), checkpoint, state, replication);
    trainer.checkpointRoot = checkpointRoot.toAbsolutePath().normalize();
    trainer.resumedFrom = checkpoint;
    return trainer;
  }

  /** The checkpoint this trainer was resumed from; null for a fresh one. */
  public @Nullable Path resumedFrom() {
    return resumedFrom;
  }

  /**
   * Why {@link #resume(Path)} passed over newer checkpoints to reach {@link #resumedFrom()}, newest first; empty
   * when it resumed from the newest.
   */
  public List<String> skippedCheckpoints() {
    return skippedCheckpoints;
  }

  public FlowSpec spec() {
    return spec;
  }

  public TrainingOptions options() {
    return options;
  }

  /** Optimizer updates applied so far. */
  public long steps() {
    return steps;
  }

  /** Batches consumed so far; the index of the next batch for a deterministic data source. */
  public long batches() {
    return batches;
  }

  /** The likelihood model in this trainer's graph (for export). */
  LikelihoodModel<TFloat32> model() {
    return g.model;
  }

  Graph graph() {
    return g.graph;
  }

  TrainingGraph trainingGraph() {
    return g;
  }

  Session session() {
    return session;
  }

  /**
   * Feeds one batch. With accumulation over k batches, every k-th call applies an update; others only accumulate.
   * A batch whose loss or gradient is not finite is skipped without changing the weights (and drops the partial
   * accumulation); after {@code maxConsecutiveBadSteps} in a row, training stops with
   * {@link TrainingDivergedException}.
   *
   * @throws IllegalArgumentException if this is the first batch and it is too small to initialise ActNorm (a flow
   *     with ActNorm on vectors needs at least 2 examples in it), naming the layer
   */
  public StepReport step(float[] batch, int n) {
    Objects.requireNonNull(batch, "batch");
    requireUnconditional("step(x, c, n)");
    return stepWithErrorsExplained(batch, null, n);
  }

  /**
   * {@link #step(float[], int)} for a conditional flow: {@code n} examples {@code x} with their contexts {@code c}
   * ({@code float[n·w]}, row-major, {@code w} the spec's {@code context().inputWidth()}: the features, or the class
   * index as a number).
   *
   * @throws IllegalArgumentException if the flow declares no context, or a context is not finite or not a class
   */
  public StepReport step(float[] x, float[] c, int n) {
    Objects.requireNonNull(x, "x");
    Objects.requireNonNull(c, "c");
    requireConditional("step(x, n)");
    return stepWithErrorsExplained(x, c, n);
  }

  /** {@link #step(float[], float[], int)} on a batch of (x, c) pairs. */
  public StepReport step(ConditionalBatch batch) {
    return step(batch.x(), batch.context(), batch.size());
  }

  private StepReport stepWithErrorsExplained(float[] batch, float @Nullable [] contexts, int n) {
    try {
      return stepOrFail(batch, contexts, n);
    } catch (TrainingDivergedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw replication.explain(e);
    }
  }

  private StepReport stepOrFail(float[] batch, float @Nullable [] contexts, int n) {
    try (TFloat32 x = tensor(batch, n); TFloat32 c = contexts == null ? null : contextTensor(contexts, n);
        TInt64 noise = HostTensors.seed(replicaNoiseSeed(batches));
        TInt64 flowSeed = HostTensors.seed(~replicaNoiseSeed(batches))) {
      FirstStepInitialization.@Nullable Run<TFloat32> initializingInStep = null;
      if (!isInitialized()) {
        checkBatchCanInitialize(n);
        initializingInStep = g.firstStepInitialization;
        if (initializingInStep == null) {
          initializeFromData(x, c);
        }
      }
      batches++;
      double loss;
      @Nullable String offender;
      Session.Runner runner = withContext(session.runner().feed(g.data, x), g.context, c).feed(g.noiseSeed, noise)
          .feed(g.flow.randomSeed(), flowSeed).fetch(g.stepNll).fetch(g.finite).addTarget(g.accumulate);
      if (g.seriesTerms != null) {
        runner.fetch(g.seriesTerms); // drawn from the same seed as the pass, so the counts it used
      }
      int firstStatistic = g.seriesTerms != null ? 3 : 2;
      if (g.firstStepInitialization != null) {
        // Fetched in every step, not only the first: a run with other fetches is a new kind of run, which
        // TensorFlow prunes and instantiates anew (the image 4-4-4 Residual Flow's second step took 1.67 s
        // against 0.78 s so). They are a few values per ActNorm.
        g.firstStepInitialization.statistics().forEach(runner::fetch);
      }
      Map<String, Integer> terms = Map.of();
      try (Result result = runner.run()) {
        loss = HostTensors.toDouble(result.get(0));
        offender = firstNonFinite(HostTensors.toDoubles(result.get(1)));
        if (g.seriesTerms != null) {
          terms = byBlock(g.seriesTermBlocks, HostTensors.toDoubles(result.get(2)));
        }
        if (initializingInStep != null) {
          storeInitialization(initializingInStep, result, firstStatistic);
        }
      }
      if (offender != null) {
        return skip(offender);
      }
      consecutiveBad = 0;
      pendingLoss += loss;
      pendingBatches++;
      if (pendingBatches < options.accumulationSteps()) {
        return new StepReport(steps, loss, toBitsPerDim(loss), false, Double.NaN, Double.NaN, null, terms);
      }
      double meanLoss = pendingLoss / pendingBatches;
      pendingLoss = 0;
      pendingBatches = 0;
      try (Result result = session.runner().fetch(g.gradientNorm).fetch(g.learningRate).addTarget(g.apply).run()) {
        steps++;
        return new StepReport(steps, meanLoss, toBitsPerDim(meanLoss), true,
            HostTensors.toDouble(result.get(0)), HostTensors.toDouble(result.get(1)), null, terms);
      }
    }
  }

  /**
   * Refuses a first batch too small for ActNorm's data-dependent initialisation. ActNorm sets each feature's scale
   * from the spread of the first batch; on vectors (rank-1 inputs) that spread is over the batch's examples alone, so
   * a batch of one example has none: the scale would be infinite and training diverge at once (with a divergence
   * message that would wrongly blame the learning rate). On images the spread is also over the positions, so one
   * example is enough. In a data-parallel run the initialisation sees every replica's batch.
   *
   * @throws IllegalArgumentException naming the first such ActNorm and the rule
   */
  private void checkBatchCanInitialize(int n) {
    long examples = (long) n * replication.replicas();
    if (examples >= MIN_ACTNORM_INIT_EXAMPLES) {
      return;
    }
    for (org.flows4j.tf.CompiledStep<TFloat32> step : g.model.steps()) {
      if (step.layer().spec() instanceof ActNorm && step.layer().inputShape().isVector()) {
        throw new IllegalArgumentException(step.location() + ": ActNorm initialises each feature's scale from the "
            + "spread of the first batch, which on vectors is over its examples alone, so it needs at least "
            + MIN_ACTNORM_INIT_EXAMPLES + " examples, but the first batch has " + examples
            + " (the scale would be infinite and training diverge). Train the first step on a batch of "
            + MIN_ACTNORM_INIT_EXAMPLES + " or more.");
      }
    }
  }

  /** The fewest examples from which ActNorm on vectors can take a spread. */
  static final int MIN_ACTNORM_INIT_EXAMPLES = 2;

  /**
   * ActNorm's (and weight-normalised conditioners') data-dependent initialisation, on the global batch: alone that
   * is {@code x}; in a data-parallel run every replica gathers all replicas' batches, so each computes the same
   * statistics a single process would on the concatenated batch (with the same dequantization noise).
   */
  private void initializeFromData(TFloat32 x, @Nullable TFloat32 c) {
    Op dataInit = g.dataInitialization();
    try (TInt64 noise = HostTensors.seed(noiseSeed(batches)); TInt64 flowSeed = HostTensors.seed(~noiseSeed(batches))) {
      if (replication.replicas() == 1) {
        withContext(session.runner().feed(g.data, x), g.context, c).feed(g.noiseSeed, noise)
            .feed(g.flow.randomSeed(), flowSeed).addTarget(dataInit).run().close();
      } else if (c == null || g.context == null || g.globalContext == null) {
        try (Result gathered = session.runner().feed(g.data, x).fetch(g.globalData).run()) {
          session.runner().feed(g.data, gathered.get(0)).feed(g.noiseSeed, noise)
              .feed(g.flow.randomSeed(), flowSeed).addTarget(dataInit).run().close();
        }
      } else {
        try (Result gathered = session.runner().feed(g.data, x).feed(g.context, c).fetch(g.globalData)
            .fetch(g.globalContext).run()) {
          session.runner().feed(g.data, gathered.get(0)).feed(g.context, gathered.get(1))
              .feed(g.noiseSeed, noise).feed(g.flow.randomSeed(), flowSeed).addTarget(dataInit).run().close();
        }
      }
    }
    if (options.usesEma()) {
      session.run(g.averageSync);
    }
  }

  /**
   * Stores the ActNorm statistics this first step computed (fetched from {@code result} from index {@code first}),
   * which sets the flags, then starts the weight average from the initialised weights, as the separate pass does.
   */
  private void storeInitialization(FirstStepInitialization.Run<TFloat32> run, Result result, int first) {
    Session.Runner assign = session.runner().addTarget(run.assignments());
    for (int i = 0; i < run.statistics().size(); i++) {
      assign.feed(run.statistics().get(i), result.get(first + i));
    }
    assign.run().close();
    dataInitialized = true;
    if (options.usesEma()) {
      session.run(g.averageSync);
    }
  }

  private StepReport skip(String offender) {
    session.run(g.discard);
    pendingLoss = 0;
    pendingBatches = 0;
    consecutiveBad++;
    if (consecutiveBad >= options.maxConsecutiveBadSteps()) {
      throw new TrainingDivergedException(consecutiveBad, steps, offender);
    }
    return new StepReport(steps, Double.NaN, Double.NaN, false, Double.NaN, Double.NaN, offender);
  }

  /**
   * Mean NLL over {@code n} examples, in chunks of {@link TrainingOptions#evaluationBatch()} (512 unless set),
   * with the EMA weights when EMA is on and the flow's evaluation estimators (residual blocks: more exact terms, or
   * the exact log-det). Dequantization noise and the estimators' randomness (Hutchinson probes, Russian-roulette
   * draws) are fresh in each evaluation: seeded by the number of updates so far and the examples' position, so the
   * same data at the same step always give the same figure, and evaluations at different steps do not all share
   * one frozen draw (which would bias a run's whole curve the same way).
   */
  public Evaluation evaluate(float[] values, int n) {
    Objects.requireNonNull(values, "values");
    requireUnconditional("evaluate(x, c, n)");
    return evaluateChunks(values, null, n, singleDraw());
  }

  /**
   * {@link #evaluate(float[], int)} with the importance-weighted bound over {@code samples.count()}
   * dequantization draws per example (K = 1 is the plain bound; larger K is tighter, most of all with variational
   * dequantization). At most {@code min(evaluationBatch, samples.maxRowsPerCall())} rows (examples × draws) go
   * into one call: with K up to that, chunks of {@code rows / K} examples take all their draws at once (one noise
   * seed per chunk); with K above it, each example's draws are taken in chunks of draws, each with its own seed,
   * and combined exactly into the log-mean-exp over all K ({@link ImportanceSamples}). So memory stays that of one
   * plain pass however large K is; time grows with K.
   */
  public Evaluation evaluate(float[] values, int n, ImportanceSamples samples) {
    Objects.requireNonNull(values, "values");
    requireUnconditional("evaluate(x, c, n, samples)");
    return evaluateChunks(values, null, n, Objects.requireNonNull(samples, "samples"));
  }


  /**
   * {@link #evaluate(float[], int)} for a conditional flow: the mean of {@code -log p(x_i | c_i)} over {@code n}
   * held-out examples with their contexts ({@code float[n·w]}, as in {@link #step(float[], float[], int)}).
   */
  public Evaluation evaluate(float[] values, float[] contexts, int n) {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(contexts, "contexts");
    requireConditional("evaluate(x, n)");
    return evaluateChunks(values, contexts, n, singleDraw());
  }

  /** {@link #evaluate(float[], float[], int)} with the importance-weighted bound, as {@link #evaluate(float[], int, ImportanceSamples)}. */
  public Evaluation evaluate(float[] values, float[] contexts, int n, ImportanceSamples samples) {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(contexts, "contexts");
    Objects.requireNonNull(samples, "samples");
    requireConditional("evaluate(x, n, samples)");
    return evaluateChunks(values, contexts, n, Objects.requireNonNull(samples, "samples"));
  }


  /** {@link #evaluate(float[], float[], int)} on held-out (x, c) pairs. */
  public Evaluation evaluate(ConditionalBatch heldOut) {
    return evaluate(heldOut.x(), heldOut.context(), heldOut.size());
  }

  private ImportanceSamples singleDraw() {
    return ImportanceSamples.of(1).maxRowsPerCall(options.evaluationBatch());
  }

  private Evaluation evaluateChunks(float[] values, float @Nullable [] contexts, int n, ImportanceSamples samples) {
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    int importanceSamples = samples.count();
    int rows = Math.min(options.evaluationBatch(), samples.maxRowsPerCall());
    int perExample = spec.inputShape().size();
    int contextWidth = spec.context().inputWidth();
    if (contexts != null) {
      checkContextCount(contexts, n);
    }
    // K draws of a chunk of examples in one call when they fit; otherwise one example at a time, its draws in
    // chunks of `rows`.
    int chunkSize = Math.max(1, rows / importanceSamples);
    int drawsPerCall = Math.min(importanceSamples, rows);
    TrainingGraph.EvaluationOps evaluation = g.evaluation();
    double[] sum = {0};
    withAveragedWeights(() -> {
      for (int start = 0; start < n; start += chunkSize) {
        int count = Math.min(chunkSize, n - start);
        float[] chunk = new float[count * perExample];
        System.arraycopy(values, start * perExample, chunk, 0, chunk.length);
        float[] contextChunk = null;
        if (contexts != null) {
          contextChunk = new float[count * contextWidth];
          System.arraycopy(contexts, start * contextWidth, contextChunk, 0, contextChunk.length);
        }
        try (TFloat32 x = tensor(chunk, count);
            TFloat32 c = contextChunk == null ? null : contextTensor(contextChunk, count)) {
          if (drawsPerCall == importanceSamples) {
            // The graph's mean NLL of the chunk: all K draws of its examples in one call.
            sum[0] += logMeanOfDraws(x, c, start, 0, (long) start * importanceSamples, importanceSamples,
                evaluation.meanNll())[0] * count;
            continue;
          }
          double[] total = new double[count];
          java.util.Arrays.fill(total, Double.NEGATIVE_INFINITY);
          for (int first = 0, j = 0; first < importanceSamples; first += drawsPerCall, j++) {
            int draws = Math.min(drawsPerCall, importanceSamples - first);
            long firstRow = (long) start * importanceSamples + first;
            ImportanceSamples.accumulate(total,
                logMeanOfDraws(x, c, start, j, firstRow, draws, evaluation.logProb()), draws);
          }
          for (double logProb : ImportanceSamples.logMean(total, importanceSamples)) {
            sum[0] -= logProb;
          }
        }
      }
    });
    double total = sum[0] / n;
    return new Evaluation(steps, total, toBitsPerDim(total), n, options.usesEma(), importanceSamples);
  }

  /**
   * One call: {@code draws} draws of the examples {@code x} (starting at example {@code start}), fetching
   * {@code output}. The dequantization noise is rows {@code [firstRow, …)} of the evaluation's one noise stream
   * ({@link #evaluationNoiseSeed} of the step): draw k of example e is row {@code e·K + k} however the evaluation
   * is cut into calls, so the chunked figure is the single-call one. The flow's own estimators (residual blocks'
   * probes and roulette) draw per call, from a seed of the call ({@link #drawChunkNoiseSeed}).
   */
  private float[] logMeanOfDraws(TFloat32 x, @Nullable TFloat32 c, int start, int j, long firstRow, int draws,
      Operand<TFloat32> output) {
    long seed = evaluationNoiseSeed(steps, 0);
    long callSeed = drawChunkNoiseSeed(steps, start, j);
    try (TInt64 noise = HostTensors.seed(seed); TInt64 flowSeed = HostTensors.seed(~callSeed);
        TInt64 first = TInt64.scalarOf(firstRow);
        TInt32 samples = TInt32.scalarOf(draws);
        Result result = withContext(session.runner().feed(g.data, x), g.context, c).feed(g.noiseSeed, noise)
            .feed(g.flow.randomSeed(), flowSeed).feed(g.evaluation().importanceSamples(), samples)
            .feed(g.evaluation().firstNoiseRow(), first).fetch(output).run()) {
      double[] values = HostTensors.toDoubles(result.get(0));
      float[] out = new float[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = (float) values[i];
      }
      return out;
    }
  }

  /**
   * The seed of the flow's own random draws (not the dequantization noise) in the call for chunk of draws {@code j}
   * of the examples starting at {@code start}: chunk 0 of the first examples has what a single-call evaluation has.
   */
  static long drawChunkNoiseSeed(long step, int start, int j) {
    return evaluationNoiseSeed(step, start) + j * 0xD1B54A32D192ED03L;
  }

  /** {@code n} samples at the given temperature, row-major, in data units; the same seed gives the same samples. */
  public float[] sample(int n, double temperature, long seed) {
    requireUnconditional("sample(n, c, temperature, seed)");
    return sampleRows(n, null, temperature, seed);
  }

  /**
   * {@code n} samples of a conditional flow, row i drawn from {@code p(x | c_i)}: {@code c} holds n contexts
   * ({@code float[n·w]}, as in {@link #step(float[], float[], int)}; repeat one context n times for n samples of
   * one conditional). The same seed and contexts give the same samples, as the exported {@code sample} signature.
   */
  public float[] sample(int n, float[] c, double temperature, long seed) {
    Objects.requireNonNull(c, "c");
    requireConditional("sample(n, temperature, seed)");
    return sampleRows(n, c, temperature, seed);
  }

  /**
   * The samples in chunks of at most {@code evaluationBatch} rows, chunk j drawing rows {@code [j·rows, …)} of the
   * seed's stream ({@code LikelihoodModel.sampleRows}), so memory stays that of one chunk whatever n is and the
   * samples do not depend on the chunk size. Only the output array grows with n: refused when it cannot fit.
   */
  private float[] sampleRows(int n, float @Nullable [] contexts, double temperature, long seed) {
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    Preconditions.checkArgument(temperature > 0, "temperature must be positive, but was %s", temperature);
    if (contexts != null) {
      checkContextCount(contexts, n);
    }
    int size = spec.inputShape().size();
    float[] out = SampleChunks.output(n, spec.inputShape());
    int width = contexts == null ? 0 : contexts.length / n;
    int rowsPerCall = options.evaluationBatch();
    TrainingGraph.SamplingOps sampling = g.sampling();
    withAveragedWeights(() -> {
      for (int first = 0; first < n; first += rowsPerCall) {
        int rows = Math.min(rowsPerCall, n - first);
        float[] chunkContexts = contexts == null ? null
            : java.util.Arrays.copyOfRange(contexts, first * width, (first + rows) * width);
        try (TInt32 count = TInt32.scalarOf(rows);
            TFloat32 t = TFloat32.scalarOf((float) temperature);
            TInt64 s = TInt64.scalarOf(seed);
            TInt64 firstRow = TInt64.scalarOf(first);
            TFloat32 c = chunkContexts == null ? null : contextTensor(chunkContexts, rows);
            Result result = withIterations(withContext(session.runner().feed(sampling.count(), count),
                sampling.context(), c).feed(sampling.temperature(), t).feed(sampling.seed(), s)
                .feed(sampling.firstRow(), firstRow).fetch(sampling.samples()), sampling).run()) {
          if (sampling.iterations() != null) {
            Map<String, Integer> chunk = byBlock(sampling.inverseBlocks(), HostTensors.toDoubles(result.get(1)));
            inverseIterations = first == 0 ? chunk : mostPerBlock(inverseIterations, chunk);
          }
          double[] values = HostTensors.toDoubles(result.get(0));
          for (int i = 0; i < values.length; i++) {
            out[first * size + i] = (float) values[i];
          }
        }
      }
    });
    return out;
  }

  private static Session.Runner withIterations(Session.Runner runner, TrainingGraph.SamplingOps sampling) {
    Operand<TInt32> iterations = sampling.iterations();
    return iterations == null ? runner : runner.fetch(iterations);
  }

  /**
   * For each residual block inverted by the fixed-point iteration, by location (e.g. {@code steps[1]}), the
   * iterations its inverse took in the last {@link #sample} call (the largest over the batch, and over the call's
   * chunks: the loop runs until every example of a chunk has converged); empty before the first call and for flows without such blocks.
   */
  public Map<String, Integer> inverseIterations() {
    return inverseIterations;
  }

  /** Per block, the larger of two chunks' iteration counts (the call's figure is its worst chunk's). */
  private static Map<String, Integer> mostPerBlock(Map<String, Integer> a, Map<String, Integer> b) {
    Map<String, Integer> result = new java.util.LinkedHashMap<>(a);
    b.forEach((block, iterations) -> result.merge(block, iterations, Math::max));
    return java.util.Collections.unmodifiableMap(result);
  }

  private static Map<String, Integer> byBlock(List<String> blocks, double[] values) {
    Map<String, Integer> result = new java.util.LinkedHashMap<>();
    for (int i = 0; i < blocks.size(); i++) {
      result.put(blocks.get(i), (int) values[i]);
    }
    return java.util.Collections.unmodifiableMap(result);
  }

  /**
   * The live trainable weights, every variable flattened and concatenated in the flow's variable order. For
   * checking that replicas of a data-parallel run agree, or for comparing runs.
   */
  public float[] weights() {
    List<Variable<TFloat32>> variables = g.flow.trainableVariables();
    Session.Runner runner = session.runner();
    variables.forEach(runner::fetch);
    try (Result result = runner.run()) {
      int total = 0;
      for (int i = 0; i < variables.size(); i++) {
        total += (int) result.get(i).shape().size();
      }
      float[] out = new float[total];
      int offset = 0;
      for (int i = 0; i < variables.size(); i++) {
        double[] values = HostTensors.toDoubles(result.get(i));
        for (double v : values) {
          out[offset++] = (float) v;
        }
      }
      return out;
    }
  }

  /** Writes a checkpoint under {@code root} (atomically); returns its directory. */
  public Path saveCheckpoint(Path root) {
    Preconditions.checkState(pendingBatches == 0,
        "a checkpoint must be taken between updates, but %s batches are accumulated", pendingBatches);
    checkCheckpointDirectory(root);
    checkpointRoot = root.toAbsolutePath().normalize();
    return Checkpoints.save(root, session, new TrainerState(FlowSpecJson.toJson(spec), options, steps, batches));
  }

  /**
   * Refuses a checkpoint folder that holds another run's checkpoints: saving beside them would mix two runs (and
   * resuming could pick up the other's). A trainer owns the folder it resumed from and the first one it saved into.
   *
   * @throws CheckpointException naming the folder and what to do
   */
  public void checkCheckpointDirectory(Path root) {
    Path normalized = root.toAbsolutePath().normalize();
    if (normalized.equals(checkpointRoot)) {
      return;
    }
    List<Long> foreign = Checkpoints.steps(root);
    if (!foreign.isEmpty() || Checkpoints.exists(root)) {
      throw new CheckpointException(root + " holds the checkpoints of another run (newest: step "
          + (foreign.isEmpty() ? "?" : foreign.get(0)) + "); saving this run's beside them would mix the two. "
          + "Resume that run with Trainer.resume, delete its checkpoints, or choose another folder.");
    }
  }

  /**
   * Exports a SavedModel (signatures {@code log_prob}, {@code sample}, {@code encode}, {@code decode}; the spec as
   * {@code assets/flow_spec.json}) with the EMA weights when EMA is on. Replaces {@code directory} if it exists.
   * Its {@code log_prob} uses the dequantization noise that {@link #evaluate} gives its first chunk at this step.
   */
  public void exportSavedModel(Path directory) {
    withAveragedWeights(() -> SavedModelWriter.write(g.graph, session, g.model, directory,
        evaluationNoiseSeed(steps, 0)));
  }

  /**
   * Runs {@code action} with the EMA weights loaded (when EMA is on), restoring the live weights after. Spectral
   * norms are refreshed thoroughly for whichever weights the action sees (a no-op for flows without them).
   */
  /**
   * The number of ops in this trainer's graph (training, evaluation and sampling; the bodies of loops and other
   * functions are not counted): what graph optimisation walks through before a new kind of run.
   */
  public long graphOperationCount() {
    long count = 0;
    for (var operations = g.graph.operations(); operations.hasNext(); operations.next()) {
      count++;
    }
    return count;
  }

  /**
   * Runs the thorough spectral-norm refresh on the live weights: the power iteration, to a tighter tolerance and
   * with more iterations than after each update, that evaluation, sampling and export run on the weights they use.
   * Exposed for benchmarks and for callers who change the weights themselves.
   */
  public void refreshSpectralNorms() {
    normalize();
  }

  void withAveragedWeights(Runnable action) {
    if (!options.usesEma() || steps == 0) {
      normalize();
      action.run();
      return;
    }
    session.run(g.averageSwap().in());
    normalize();
    try {
      action.run();
    } finally {
      session.run(g.averageSwap().out());
      normalize();
    }
  }

  /** The thorough spectral-norm refresh, when the flow has spectral norms (else not even an empty run). */
  private void normalize() {
    if (g.normalizes) {
      session.run(g.normalize);
    }
  }

  /** The names a skipped step can blame, one per variable group, in the order the step checks them. */
  List<String> variableGroupNames() {
    return g.groupNames;
  }

  private @Nullable String firstNonFinite(double[] flags) {
    for (int i = 0; i < flags.length - 1; i++) {
      if (flags[i] == 0) {
        return g.groupNames.get(i);
      }
    }
    return flags[flags.length - 1] == 0 ? "loss" : null;
  }

  private double toBitsPerDim(double nats) {
    return nats / (spec.inputShape().size() * Math.log(2));
  }

  /**
   * The evaluation noise of the chunk starting at example {@code start} after {@code step} updates: a pure function
   * of both (not of the training seed), so a resumed run and the exported {@code log_prob} draw the same, and each
   * step's evaluation draws afresh.
   */
  static long evaluationNoiseSeed(long step, int start) {
    return 0x5EEDL + start + step * 0x9E3779B97F4A7C15L;
  }

  /** Dequantization noise for batch b: a pure function of the seed and b, so a resumed run draws the same. */
  private long noiseSeed(long batch) {
    return batchNoiseSeed(options.seed(), batch);
  }

  /** The training noise seed of batch b in a single process (replica 0) whose options have {@code seed}. */
  static long batchNoiseSeed(long seed, long batch) {
    return seed * 0x9E3779B97F4A7C15L + batch;
  }

  /**
   * The training noise of this replica for batch b: replica 0 draws what a single process draws; the others draw
   * independent streams (dequantization, Russian-roulette term counts, dropout), each unbiased on its own shard.
   */
  private long replicaNoiseSeed(long batch) {
    return noiseSeed(batch) + replication.replicaIndex() * 0xD1B54A32D192ED03L;
  }

  /** What every replica must agree on, by name: the spec and each training option. */
  private java.util.Map<String, String> fingerprint() {
    java.util.Map<String, String> fingerprint = new java.util.LinkedHashMap<>();
    fingerprint.put("spec", FlowSpecJson.toJson(spec));
    for (java.lang.reflect.RecordComponent component : TrainingOptions.class.getRecordComponents()) {
      try {
        fingerprint.put(component.getName(), String.valueOf(component.getAccessor().invoke(options)));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return fingerprint;
  }

  private boolean isInitialized() {
    if (!dataInitialized) {
      try (Result result = session.runner().fetch(g.initialized).run()) {
        dataInitialized = HostTensors.toDouble(result.get(0)) == 1.0;
      }
    }
    return dataInitialized;
  }

  private TFloat32 tensor(float[] values, int n) {
    Shape shape = spec.inputShape();
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    Preconditions.checkArgument(values.length == n * shape.size(),
        "expected %s examples of shape %s (%s floats), but got %s floats", n, shape, n * shape.size(),
        values.length);
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException("data contains a non-finite value (" + values[i] + ") at example "
            + i / shape.size() + ", position " + i % shape.size() + "; clean or filter the data first");
      }
    }
    return HostTensors.float32(values, TrainingGraph.batchDims(shape, n));
  }

  /** Whether the flow declares a context, so that training, evaluation and sampling take (x, c) pairs. */
  public boolean isConditional() {
    return spec.context().isConditional();
  }

  private void requireUnconditional(String instead) {
    if (isConditional()) {
      throw new IllegalArgumentException("this flow is conditional (" + spec.context() + "): pass the contexts, "
          + "with " + instead);
    }
  }

  private void requireConditional(String instead) {
    if (!isConditional()) {
      throw new IllegalArgumentException("this flow declares no context: call " + instead + " without contexts");
    }
  }

  private void checkContextCount(float[] contexts, int n) {
    int width = spec.context().inputWidth();
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    Preconditions.checkArgument(contexts.length == n * width,
        "expected %s contexts of %s values (%s floats), but got %s floats", n, width, n * width, contexts.length);
  }

  /**
   * The contexts as a {@code [n, w]} tensor, after checking them: finite, and for a class context integer class
   * indices in {@code [0, K)} (an embedding lookup with a bad index would fail deep in TensorFlow, or silently
   * read another row).
   */
  private TFloat32 contextTensor(float[] contexts, int n) {
    checkContextCount(contexts, n);
    int width = spec.context().inputWidth();
    int classes = spec.context() instanceof ClassContext classContext ? classContext.classes() : 0;
    for (int i = 0; i < contexts.length; i++) {
      float v = contexts[i];
      if (!Float.isFinite(v)) {
        throw new IllegalArgumentException("context contains a non-finite value (" + v + ") at example "
            + i / width + ", position " + i % width + "; clean or filter the contexts first");
      }
      if (classes > 0 && (v != Math.rint(v) || v < 0 || v >= classes)) {
        throw new IllegalArgumentException("the context of example " + i + " must be a class index from 0 to "
            + (classes - 1) + ", but was " + v);
      }
    }
    return HostTensors.float32(contexts, new long[] {n, width});
  }

  /** Feeds {@code c} to {@code input} when the flow is conditional. */
  private static Session.Runner withContext(
      Session.Runner runner, @Nullable Operand<TFloat32> input, @Nullable TFloat32 c) {
    if (input != null && c != null) {
      runner.feed(input, c);
    }
    return runner;
  }

  @Override
  public void close() {
    session.close();
    g.graph.close();
  }
}
