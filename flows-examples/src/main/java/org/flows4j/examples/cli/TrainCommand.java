package org.flows4j.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Shape;
import org.flows4j.api.step.ActNorm;
import org.flows4j.examples.metrics.MetricsCsv;
import org.flows4j.examples.progress.TrainingProgress;
import org.flows4j.tf.MemoryEstimate;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.data.ConditionalDataSource;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.training.Evaluation;
import org.flows4j.tf.training.LearningRateSchedule;
import org.flows4j.tf.training.Optimizer;
import org.flows4j.tf.training.RunOptions;
import org.flows4j.tf.distributed.Cluster;
import org.flows4j.tf.summary.TensorBoardWriter;
import org.flows4j.tf.distributed.DistributedTraining;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingListener;
import org.flows4j.tf.training.TrainingOptions;
import org.flows4j.tf.training.TrainingRun;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flows train}: trains a flow by maximum likelihood, checkpointing as it goes, then exports the SavedModel
 * and draws the curves and samples. Options left out take the defaults of the data (see {@link TrainingDefaults}).
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
        "Train a flow by maximum likelihood. Writes to --out: checkpoints/, saved_model/ (averaged weights when "
            + "--ema > 0), spec.json, run.json, metrics.csv, curves.png and samples.png.",
        "Defaults depend on the data: 2-D densities train 3000 steps of batch 256 at lr 3e-3; fashion-mnist "
            + "trains 3000 steps of batch 32 at lr 1e-3 with 100 warm-up steps and --ema 0.999."})
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--model", paramLabel = "NAME", converter = NameConverters.Model.class,
      description = "realnvp, nice, glow, emerging, flowpp, maf, resflow or nsf (default: realnvp)")
  @Nullable ModelPreset model;

  @Option(names = "--data", paramLabel = "NAME", converter = NameConverters.Data.class,
      description = "8gaussians, checkerboard, 2spirals, moons, pinwheel, rings, circles, fashion-mnist, or "
          + "with a context 8gaussians-labelled or ring-radius (default: moons)")
  @Nullable DataChoice data;

  @Option(names = "--conditional",
      description = "fit p(x | c) with the data's context: fashion-mnist's class labels (10 classes, a learned "
          + "embedding); 8gaussians-labelled and ring-radius are always conditional")
  boolean conditional;

  @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: out/<model>-<data>)")
  @Nullable Path out;

  @Option(names = "--resume", description = "continue the run in --out from its newest checkpoint, up to --steps")
  boolean resume;

  @Option(names = "--from-checkpoint", paramLabel = "STEP",
      description = "with --resume: continue from the checkpoint of this step instead of the newest (later ones are "
          + "replaced as training reaches their steps)")
  @Nullable Long fromCheckpoint;

  @Option(names = "--overwrite", description = "delete the outputs of an earlier run in --out and start afresh")
  boolean overwrite;

  @Option(names = "--steps", paramLabel = "N", description = "train until this many optimizer steps")
  @Nullable Integer steps;

  @Option(names = "--batch", paramLabel = "N", description = "examples per batch")
  @Nullable Integer batch;

  @Option(names = "--lr", paramLabel = "RATE", description = "base learning rate")
  @Nullable Double learningRate;

  @Option(names = "--optimizer", paramLabel = "NAME", description = "adam or adamax (default: adam)")
  @Nullable Optimizer optimizer;

  @Option(names = "--warmup", paramLabel = "N", description = "steps of linear learning-rate warm-up")
  @Nullable Integer warmupSteps;

  @Option(names = "--schedule", paramLabel = "NAME",
      description = "constant or cosine (decays to 0 at --steps) after warm-up (default: constant)")
  @Nullable LearningRateSchedule schedule;

  @Option(names = "--clip-norm", paramLabel = "X", description = "clip the global gradient norm to X (default: off)")
  @Nullable Double clipNorm;

  @Option(names = "--ema", paramLabel = "DECAY",
      description = "decay of the weight average used to evaluate, sample and export; 0 turns it off")
  @Nullable Double emaDecay;

  @Option(names = "--seed", paramLabel = "N", description = "seeds the initial weights and the data (default: 0)")
  @Nullable Long seed;

  @Option(names = "--xla", description = "compile the training graph with XLA's JIT (see the README's benchmark "
      + "section for where it pays)")
  boolean xla;

  @Option(names = "--width", paramLabel = "N",
      description = "hidden width of the conditioners (default: 64 for 2-D data, 32 for images)")
  @Nullable Integer width;

  @Option(names = "--depth", paramLabel = "N",
      description = "couplings (realnvp/nice on 2-D, nice on images; default 8, 4), levels (realnvp on images; "
          + "default 2) or steps per level (glow, emerging; default 4)")
  @Nullable Integer depth;

  @Option(names = "--eval-every", paramLabel = "N",
      description = "steps between held-out evaluations; 0: only at the end")
  @Nullable Integer evaluateEvery;

  @Option(names = "--checkpoint-every", paramLabel = "N",
      description = "steps between checkpoints; 0: only at the end")
  @Nullable Integer checkpointEvery;

  @Option(names = "--train-limit", paramLabel = "N",
      description = "fashion-mnist: train on the first N training images only")
  @Nullable Integer trainLimit;

  @Mixin DataDirectoryOption dataDirectory = new DataDirectoryOption();

  @Mixin ClusterOptions clusterOptions = new ClusterOptions();

  /** The data-parallel run this process is a worker of; null when training alone. */
  private @Nullable Cluster cluster;

  @Option(names = "--quiet", description = "no progress, only the summary at the end (for scripts)")
  boolean quiet;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    checkOptions();
    cluster = clusterOptions.resolve().orElse(null);
    ModelPreset chosenModel = model != null ? model : ModelPreset.REALNVP;
    DataChoice givenData = data != null ? data : DataChoice.fromCliName("moons");
    DataChoice chosenData = conditional && !resume ? givenData.conditioned() : givenData;
    if (chosenData instanceof ConditionalDataChoice && cluster != null) {
      throw new UsageException("--cluster does not split (x, c) pairs across processes yet: train a conditional "
          + "model in one process (--devices works).");
    }
    RunDirectory run = out != null ? new RunDirectory(out) : RunDirectory.defaultFor(chosenModel, chosenData);
    if (cluster != null && !cluster.isChief()) {
      // Workers other than the chief write nothing and need no checkpoint: they adopt the chief's state.
      return WorkerTraining.train(cluster, clusterOptions, flowSpec(chosenModel, chosenData),
          trainingOptions(chosenData.defaults(), chosenModel), chosenModel, chosenData, batch, steps, trainLimit,
          dataDirectory.directory(), spec.commandLine().getOut(), quiet);
    }
    run.checkCanBeAFolder();
    RunLock.checkFree(run.root());
    if (resume) {
      return resume(run);
    }
    // Everything that can fail on the user's input (the folder, the spec, the data) is checked before anything
    // is written, so a failed start leaves no half-made run behind that the next attempt would trip over.
    checkFolderIsFree(run);
    FlowSpec flowSpec = flowSpec(chosenModel, chosenData);
    TrainingOptions options = trainingOptions(chosenData.defaults(), chosenModel);
    RunInfo info = new RunInfo(chosenModel.cliName(), chosenData.cliName(),
        batch != null ? batch : chosenModel.defaultBatch(chosenData.defaults()), trainLimit,
        chosenData instanceof ConditionalDataChoice);
    checkBatchCanInitialise(flowSpec, info.batch());
    checkBatchFitsTheData(info);
    checkMemory(flowSpec, info);
    TrainingData trainingData = loadData(info, options.seed());
    try (RunLock lock = RunLock.acquire(run.root())) {
      // Checked again now that no other process can start a run here between the check and the writes.
      checkFolderIsFree(run);
      if (overwrite) {
        run.clear();
      }
      run.writeSpec(flowSpec);
      run.writeInfo(info);
      Trainer trainer = Trainer.create(flowSpec, options, clusterOptions.replication(cluster));
      try (trainer; MetricsCsv metrics = MetricsCsv.create(run.metricsCsv())) {
        return train(run, info, trainingData, trainer, metrics);
      }
    }
  }

  /**
   * The preset for the data, conditioned on their context when they have one. Every preset's steps take a context
   * now; should a spec still fail validation with one, it is refused with the validator's reason.
   */
  private FlowSpec flowSpec(ModelPreset chosenModel, DataChoice chosenData) {
    return flowSpec(chosenModel, chosenData, width, depth);
  }

  /** {@link #flowSpec(ModelPreset, DataChoice)} with explicit sizes, shared with {@code flows inspect}. */
  static FlowSpec flowSpec(ModelPreset chosenModel, DataChoice chosenData, @Nullable Integer width,
      @Nullable Integer depth) {
    FlowSpec unconditional = chosenModel.build(chosenData.shape(), width, depth);
    if (!(chosenData instanceof ConditionalDataChoice conditionalData)) {
      return unconditional;
    }
    FlowSpec conditioned = unconditional.withContext(conditionalData.context());
    List<org.flows4j.api.Problem> problems = org.flows4j.api.Flows.problems(conditioned);
    if (!problems.isEmpty()) {
      throw new UsageException("--model " + chosenModel.cliName() + " cannot be conditioned on the context of "
          + chosenData.cliName() + ": " + problems.get(0).message() + " Pick a model of couplings (--model realnvp, "
          + "nice, nsf, or glow on images), --model resflow, or --model maf on vectors.");
    }
    return conditioned;
  }

  private int resume(RunDirectory run) throws IOException {
    RunInfo info = checkResumable(run);
    // The lock comes before the checkpoint and the data: which checkpoint to resume (the newest intact one) and the
    // seed the data are shuffled with are read from the checkpoints, which another process could be writing or
    // pruning at that moment. So instead of loading the data first, a resume that fails before it writes anything
    // (a damaged checkpoint, another model's checkpoints, data that do not load) removes the lock file if it
    // created it, and leaves the folder as it found it.
    RunLock lock = RunLock.acquire(run.root());
    boolean writing = false;
    try {
      Trainer trainer = fromCheckpoint != null ? Trainer.resume(run.checkpoints(), fromCheckpoint)
          : Trainer.resume(run.checkpoints(), clusterOptions.replication(cluster));
      try (trainer) {
        for (String skipped : trainer.skippedCheckpoints()) {
          spec.commandLine().getErr().println("warning: skipping a damaged checkpoint: " + skipped);
        }
        if (!trainer.skippedCheckpoints().isEmpty()) {
          spec.commandLine().getErr().println("warning: resuming from the newest intact checkpoint, "
              + trainer.resumedFrom());
        }
        checkCheckpointsAreTheRuns(run, info, trainer);
        checkMemory(trainer.spec(), info);
        TrainingData trainingData = loadData(info, trainer.options().seed());
        writing = true;
        try (MetricsCsv metrics = continueMetrics(run, trainer.steps())) {
          return train(run, info, trainingData, trainer, metrics);
        }
      }
    } finally {
      if (writing) {
        lock.close();
      } else {
        lock.closeAndRemoveIfCreated();
      }
    }
  }

  private static void checkBatchFitsTheData(RunInfo info) {
    DataChoice choice = info.dataChoice();
    if (info.trainLimit() == null && info.batch() > choice.trainingExamples()) {
      throw new UsageException("--batch " + info.batch() + " is larger than the " + choice.trainingExamples()
          + " training examples of " + choice.cliName() + ": a batch cannot hold more examples than there are. "
          + "Lower --batch.");
    }
  }

  /** Refuses, before anything is allocated, a run whose weights and batch cannot fit in the machine's memory. */
  private static void checkMemory(FlowSpec flowSpec, RunInfo info) {
    MemoryEstimate.training(flowSpec, info.batch()).checkFits("training " + info.model() + " on " + info.data()
        + " with --batch " + info.batch(), "Lower --batch, --width or --depth.");
  }

  /** The checkpoints must be the model that {@code spec.json} and {@code run.json} describe, not another run's. */
  private static void checkCheckpointsAreTheRuns(RunDirectory run, RunInfo info, Trainer trainer) {
    FlowSpec recorded = run.readSpec();
    Shape dataShape = info.dataChoice().shape();
    if ((recorded != null && !recorded.equals(trainer.spec())) || !trainer.spec().inputShape().equals(dataShape)) {
      throw new UsageException("the checkpoints in " + run.checkpoints() + " hold another model than the run "
          + "recorded in " + run.root() + " (" + info.model() + " on " + info.data() + ", in spec.json and run.json)"
          + ": the folder mixes two runs. Start afresh with --overwrite, or choose another --out.");
    }
  }

  private static MetricsCsv continueMetrics(RunDirectory run, long step) {
    try {
      return MetricsCsv.continueAfter(run.metricsCsv(), step);
    } catch (IOException e) {
      if (e instanceof java.nio.file.FileSystemException) {
        throw new java.io.UncheckedIOException(e);
      }
      throw new UsageException(String.valueOf(e.getMessage()).lines().findFirst().orElse("") + ". Repair or "
          + "delete that line, or delete " + run.metricsCsv() + " to start a new one; nothing else was changed.", e);
    }
  }

  /**
   * ActNorm sets each feature's scale from the spread of the first batch. On vectors that spread is over the batch
   * alone, and one example has none: the scale would be infinite and training diverge at once.
   */
  private static void checkBatchCanInitialise(FlowSpec flowSpec, int batchSize) {
    if (batchSize < 2 && flowSpec.inputShape().isVector()
        && flowSpec.steps().stream().anyMatch(step -> step instanceof ActNorm)) {
      throw new UsageException("--batch " + batchSize + " cannot initialise ActNorm, which sets each feature's "
          + "scale from the spread of the first batch: one example has none, and training would diverge. Use "
          + "--batch 2 or more.");
    }
  }

  /**
   * The data a run trains and evaluates on: examples, or for a conditional run (x, c) pairs ({@code pairs} and
   * {@code heldOutPairs} set, the others null).
   */
  private record TrainingData(DataChoice choice, @Nullable DataSource batches, @Nullable HeldOut heldOut,
      @Nullable ConditionalDataSource pairs, @Nullable ConditionalBatch heldOutPairs) {
    List<Evaluation> run(Trainer trainer, RunOptions options, TrainingListener listener) {
      return pairs != null ? TrainingRun.run(trainer, pairs, heldOutPairs, options, listener)
          : TrainingRun.run(trainer, java.util.Objects.requireNonNull(batches), heldOut, options, listener);
    }
  }

  private TrainingData loadData(RunInfo info, long dataSeed) {
    DataChoice choice = info.dataChoice();
    if (info.trainLimit() != null && info.batch() > info.trainLimit()) {
      throw new UsageException("--batch " + info.batch() + " is larger than --train-limit " + info.trainLimit()
          + ": a batch cannot hold more images than there are. Lower --batch or raise --train-limit.");
    }
    clusterOptions.checkBatch(info.batch());
    Path directory = dataDirectory.directory();
    int heldOutCount = Math.min(choice.defaults().heldOutDuringTraining(), choice.maxHeldOut());
    if (choice instanceof ConditionalDataChoice conditionalData) {
      return new TrainingData(choice, null, null,
          conditionalData.conditionalTrainingSource(dataSeed, info.trainLimit(), directory),
          conditionalData.conditionalHeldOut(heldOutCount, directory));
    }
    DataSource batches = choice.trainingSource(dataSeed, info.trainLimit(), directory);
    if (cluster != null) {
      batches = DistributedTraining.shard(batches, cluster);
    }
    HeldOut heldOut = choice.heldOut(heldOutCount, directory);
    return new TrainingData(choice, batches, heldOut, null, null);
  }

  private int train(RunDirectory run, RunInfo info, TrainingData trainingData, Trainer trainer,
      MetricsCsv metrics) throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    TrainingDefaults defaults = trainingData.choice().defaults();
    boolean images = trainingData.choice().shape().isImage();
    long firstStep = trainer.steps();
    long lastStep = steps != null ? steps : defaults.steps();
    if (lastStep <= firstStep) {
      throw new UsageException("the run in " + run.root() + " has already taken " + firstStep
          + " steps; pass --steps greater than " + firstStep + " to train it further");
    }
    int evalEvery = evaluateEvery != null ? evaluateEvery : defaults.evaluateEvery();
    int checkpointInterval = checkpointEvery != null ? checkpointEvery : defaults.checkpointEvery();
    if (!quiet) {
      stdout.println(firstStep == 0
          ? String.format(Locale.ROOT, "training %s on %s to step %d: batch %d, %s, writing to %s", info.model(),
              info.data(), lastStep, info.batch(), describe(trainer.options()), run.root())
          : String.format(Locale.ROOT, "resuming %s on %s in %s at step %d, training to step %d", info.model(),
              info.data(), run.root(), firstStep, lastStep));
      stdout.flush();
    }
    long start = System.nanoTime();
    List<Evaluation> evaluations;
    int skipped;
    RunOptions runOptions = RunOptions.builder().steps(lastStep).batchSize(info.batch())
        .checkpointEvery(checkpointInterval).checkpointDirectory(run.checkpoints()).evaluateEvery(evalEvery).build();
    try (TrainingMonitor monitor = new TrainingMonitor(metrics, TrainingProgress.forOutput(quiet, stdout,
        spec.commandLine().getErr(), firstStep, runOptions));
        TensorBoardWriter events = TensorBoardWriter.create(run.tensorboard())) {
      ConditionalBatch heldOutPairs = trainingData.heldOutPairs();
      TrainingListener inverseIterations = InverseIterationsProbe.forRun(trainer, events,
          heldOutPairs == null ? null : heldOutPairs.context(),
          heldOutPairs == null ? 0 : heldOutPairs.contextFeatures()).orElse(TrainingListeners.of());
      evaluations = trainingData.run(trainer, runOptions, TrainingListeners.of(monitor, events, inverseIterations));
      skipped = monitor.skippedBatches();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    trainer.exportSavedModel(run.savedModel());
    String title = info.model() + " on " + info.data();
    RunPictures.writeCurves(run.curvesPng(), title, MetricsCsv.read(run.metricsCsv()), images);
    try (FlowModel exported = FlowModel.load(run.savedModel())) {
      if (trainingData.choice() instanceof ConditionalDataChoice conditionalData) {
        writeConditionalSamples(run, title, exported, images, conditionalData);
      } else {
        writeSamples(run, title, exported, images, java.util.Objects.requireNonNull(trainingData.heldOut()));
      }
    }
    Evaluation last = evaluations.get(evaluations.size() - 1);
    stdout.printf(Locale.ROOT, "%s: steps %d to %d in %.1f s (%.1f steps/s)%s%n", title, firstStep, lastStep,
        seconds, (lastStep - firstStep) / seconds, skipped == 0 ? "" : ", " + skipped + " batches skipped");
    stdout.printf(Locale.ROOT, "held-out NLL %.4f nats, %.4f bits/dim on %d %s%s%n", last.negativeLogLikelihood(),
        last.bitsPerDim(), last.examples(), images ? "test images" : "points",
        last.averagedWeights() ? " (averaged weights)" : "");
    stdout.printf("wrote %s: saved_model/, checkpoints/, tensorboard/, spec.json, run.json, metrics.csv, "
        + "curves.png, samples.png%s%n", run.root(), trainingData.choice() instanceof ConditionalDataChoice
            ? (images ? " (a row per class at temperature 0.7)" : " (a row per context)")
            : images ? " (rows 1-4 at temperature 0.7, rows 5-8 at 1.0)" : "");
    stdout.flush();
    return ExitCodes.OK;
  }

  private static void writeSamples(RunDirectory run, String title, FlowModel model, boolean images,
      HeldOut heldOut) throws IOException {
    if (images) {
      RunPictures.writeImageSamples(run.samplesPng(), model, 32, new double[] {0.7, 1.0}, 1,
          RunPictures.IMAGE_COLUMNS);
    } else {
      float[] shown = Arrays.copyOf(heldOut.values(), 2 * Math.min(heldOut.count(), 2000));
      RunPictures.writeDensity(run.samplesPng(), title, model, shown, 2000, 1.0, 1);
    }
  }

  /** Per context: a grid row of 8 images per class at temperature 0.7, or the 2-D density and 2000 samples. */
  private static void writeConditionalSamples(RunDirectory run, String title, FlowModel model, boolean images,
      ConditionalDataChoice data) throws IOException {
    if (images) {
      RunPictures.writeClassGrid(run.samplesPng(), model, data.pictureContexts(), RunPictures.IMAGE_COLUMNS, 0.7, 1,
          RunPictures.IMAGE_COLUMNS);
    } else {
      RunPictures.writeConditionalDensities(run.samplesPng(), title, model, data.pictureContexts(),
          context -> data instanceof ConditionalToyDataChoice toy ? toy.pointsGiven(context, 2000) : new float[0],
          2000, 1.0, 1);
    }
  }

  private TrainingOptions trainingOptions(TrainingDefaults defaults, ModelPreset model) {
    LearningRateSchedule chosenSchedule = schedule != null ? schedule : LearningRateSchedule.CONSTANT;
    int warmup = warmupSteps != null ? warmupSteps : defaults.warmupSteps();
    long lastStep = steps != null ? steps : defaults.steps();
    if (chosenSchedule == LearningRateSchedule.COSINE && lastStep <= warmup) {
      throw new UsageException("--schedule cosine decays between the end of warm-up and --steps, so --steps ("
          + lastStep + ") must exceed --warmup (" + warmup + ")");
    }
    return TrainingOptions.builder()
        .optimizer(optimizer != null ? optimizer : Optimizer.ADAM)
        .learningRate(learningRate != null ? learningRate : defaults.learningRate())
        .warmupSteps(warmup)
        .schedule(chosenSchedule)
        .totalSteps(lastStep)
        .clipNorm(clipNorm != null ? clipNorm : Double.POSITIVE_INFINITY)
        .emaDecay(emaDecay != null ? emaDecay : defaults.emaDecay())
        .seed(seed != null ? seed : 0)
        .evaluationBatch(model.evaluationBatch())
        .xla(xla)
        .build();
  }

  private static String describe(TrainingOptions options) {
    StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "%s lr %s",
        options.optimizer().name().toLowerCase(Locale.ROOT), options.learningRate()));
    if (options.warmupSteps() > 0) {
      text.append(", warm-up ").append(options.warmupSteps());
    }
    if (options.schedule() != LearningRateSchedule.CONSTANT) {
      text.append(", ").append(options.schedule().name().toLowerCase(Locale.ROOT)).append(" schedule");
    }
    if (Double.isFinite(options.clipNorm())) {
      text.append(", clip-norm ").append(options.clipNorm());
    }
    if (options.usesEma()) {
      text.append(", ema ").append(options.emaDecay());
    }
    return text.append(", seed ").append(options.seed()).toString();
  }

  /** A fresh run must not mix its files with an earlier run's: refuse, unless --overwrite clears them. */
  private void checkFolderIsFree(RunDirectory run) {
    if (run.holdsARun() && !overwrite) {
      throw new UsageException(run.root() + " already holds a training run. Continue it with --resume, "
          + "replace it with --overwrite, or choose another --out.");
    }
  }

  /**
   * What {@code --resume} continues: the run recorded in the folder. Its model, data and training options are the
   * checkpoint's, so options that would change them are refused rather than silently ignored.
   */
  private RunInfo checkResumable(RunDirectory run) {
    if (overwrite) {
      throw new UsageException("--resume continues the run in --out and --overwrite deletes it: give one of them");
    }
    if (!run.hasCheckpoint()) {
      throw new UsageException("--resume: there is no checkpoint in " + run.checkpoints()
          + ". Train without --resume first (with the same --out), or point --out at an earlier run's folder.");
    }
    RunInfo info = run.readInfo();
    List<String> conflicts = new ArrayList<>();
    if (model != null && !model.cliName().equals(info.model())) {
      conflicts.add("--model " + model.cliName() + " (the run is " + info.model() + ")");
    }
    if (data != null && !data.cliName().equals(info.data())) {
      conflicts.add("--data " + data.cliName() + " (the run trains on " + info.data() + ")");
    }
    if (batch != null && batch != info.batch()) {
      conflicts.add("--batch " + batch + " (the run uses " + info.batch() + ")");
    }
    if (conditional && !info.conditional()) {
      conflicts.add("--conditional (the run is unconditional)");
    }
    if (trainLimit != null && !trainLimit.equals(info.trainLimit())) {
      conflicts.add("--train-limit " + trainLimit + " (the run uses " + info.trainLimit() + ")");
    }
    addIfGiven(conflicts, "--width", width);
    addIfGiven(conflicts, "--depth", depth);
    addIfGiven(conflicts, "--lr", learningRate);
    addIfGiven(conflicts, "--optimizer", optimizer);
    addIfGiven(conflicts, "--warmup", warmupSteps);
    addIfGiven(conflicts, "--schedule", schedule);
    addIfGiven(conflicts, "--clip-norm", clipNorm);
    addIfGiven(conflicts, "--ema", emaDecay);
    addIfGiven(conflicts, "--seed", seed);
    addIfGiven(conflicts, "--xla", xla ? Boolean.TRUE : null);
    if (!conflicts.isEmpty()) {
      throw new UsageException("--resume continues the run in " + run.root() + " with the model, data and "
          + "options saved in its checkpoint, so these cannot change: " + String.join(", ", conflicts)
          + ". Drop them, or start a new run with another --out.");
    }
    return info;
  }

  private static void addIfGiven(List<String> conflicts, String option, @Nullable Object value) {
    if (value != null) {
      conflicts.add(option + " " + value.toString().toLowerCase(Locale.ROOT));
    }
  }

  private void checkOptions() {
    if (fromCheckpoint != null && !resume) {
      throw new UsageException("--from-checkpoint picks the checkpoint --resume continues from: add --resume");
    }
    atLeast("--steps", steps, 1);
    atLeast("--batch", batch, 1);
    atLeast("--warmup", warmupSteps, 0);
    atLeast("--width", width, 1);
    atLeast("--depth", depth, 1);
    atLeast("--eval-every", evaluateEvery, 0);
    atLeast("--checkpoint-every", checkpointEvery, 0);
    atLeast("--train-limit", trainLimit, 1);
    if (learningRate != null && !(learningRate > 0 && Double.isFinite(learningRate))) {
      throw new UsageException("--lr must be positive and finite, but was " + learningRate);
    }
    if (clipNorm != null && !(clipNorm > 0)) {
      throw new UsageException("--clip-norm must be positive, but was " + clipNorm);
    }
    if (emaDecay != null && !(emaDecay >= 0 && emaDecay < 1)) {
      throw new UsageException("--ema must be in [0, 1) (0 turns the weight average off), but was " + emaDecay);
    }
  }

  static void atLeast(String option, @Nullable Integer value, int minimum) {
    if (value != null && value < minimum) {
      throw new UsageException(option + " must be at least " + minimum + ", but was " + value);
    }
  }
}
