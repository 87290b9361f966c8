package org.flows4j.examples.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.flows4j.api.FlowSpec;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.distributed.Cluster;
import org.flows4j.tf.training.Evaluation;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flows benchmark}: how fast a model trains and samples on this machine, how much memory it takes, and
 * where the held-out loss stands after the timed steps. Writes nothing.
 */
@Command(name = "benchmark", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train a model for a few steps and print training steps/s (after untimed warm-up steps), "
        + "sampling samples/s, peak memory (resident set and JVM heap) and the held-out bits/dim.")
public final class BenchmarkCommand implements Callable<Integer> {
  @Option(names = "--model", paramLabel = "NAME", converter = NameConverters.Model.class, defaultValue = "glow",
      description = "realnvp, nice, glow, emerging, flowpp, maf, resflow or nsf (default: ${DEFAULT-VALUE})")
  ModelPreset model = ModelPreset.GLOW;

  @Option(names = "--data", paramLabel = "NAME", converter = NameConverters.Data.class,
      defaultValue = "fashion-mnist", description = "as for `flows train` (default: ${DEFAULT-VALUE})")
  DataChoice data = new FashionMnistChoice();

  @Option(names = "--steps", paramLabel = "N", defaultValue = "200",
      description = "timed training steps (default: ${DEFAULT-VALUE})")
  int steps = 200;

  @Option(names = "--warmup-steps", paramLabel = "N", defaultValue = "10",
      description = "untimed steps first: the first runs pay for graph optimisation and ActNorm's "
          + "initialisation; the first of them is timed apart as the first step (default: ${DEFAULT-VALUE})")
  int untimedSteps = 10;

  @Option(names = "--batch", paramLabel = "N", description = "examples per batch (default: as for `flows train`)")
  @Nullable Integer batch;

  @Option(names = "--samples", paramLabel = "N", defaultValue = "256",
      description = "samples per sampling call (default: ${DEFAULT-VALUE})")
  int samplesPerCall = 256;

  @Option(names = "--sampling-calls", paramLabel = "N", defaultValue = "5",
      description = "timed sampling calls, after one untimed call; more give a steadier figure when a call is short "
          + "(default: ${DEFAULT-VALUE})")
  int samplingCalls = 5;

  @Option(names = "--width", paramLabel = "N", description = "as for `flows train`")
  @Nullable Integer width;

  @Option(names = "--depth", paramLabel = "N", description = "as for `flows train`")
  @Nullable Integer depth;

  @Option(names = "--train-limit", paramLabel = "N", description = "as for `flows train`")
  @Nullable Integer trainLimit;

  @Option(names = "--xla", description = "train with XLA JIT compilation (TrainingOptions.xla; see the README's "
      + "benchmark section for where it pays)")
  boolean xla;

  @Mixin DataDirectoryOption dataDirectory = new DataDirectoryOption();

  @Option(names = "--workers", paramLabel = "N",
      description = "benchmark data-parallel training on N worker processes on 127.0.0.1 (--batch per worker): "
          + "steps/s, the all-reduce's share of a step and the bytes exchanged per step")
  @Nullable Integer workers;

  @Option(names = "--max-rss-mb", paramLabel = "MB", defaultValue = "4096",
      description = "with --workers, stop every worker when one uses more memory than this (default: "
          + "${DEFAULT-VALUE})")
  long maxResidentMegabytes = 4096;

  /** Set by the --workers launcher on the processes it starts; not for users. */
  @Option(names = "--cluster", hidden = true)
  @Nullable String cluster;

  @Option(names = "--task-index", hidden = true)
  @Nullable Integer taskIndex;

  @Spec CommandSpec spec;

  /** Heap of each worker process started by --workers (TensorFlow allocates outside it). */
  private static final int WORKER_HEAP_MB = 1024;

  /** Time limit of a --workers run, after which the watchdog stops every worker. */
  private static final long WORKER_TIME_LIMIT_SECONDS = 3600;

  @Override
  public Integer call() {
    TrainCommand.atLeast("--steps", steps, 1);
    TrainCommand.atLeast("--warmup-steps", untimedSteps, 1);
    TrainCommand.atLeast("--batch", batch, 1);
    TrainCommand.atLeast("--samples", samplesPerCall, 1);
    TrainCommand.atLeast("--sampling-calls", samplingCalls, 1);
    PrintWriter out = spec.commandLine().getOut();
    if (workers != null) {
      return launchWorkers(out);
    }
    if (cluster != null && taskIndex != null) {
      return new WorkerBenchmark(this, Cluster.of(List.of(cluster.split(",")), taskIndex)).run(out);
    }
    TrainingDefaults defaults = data.defaults();
    int batchSize = batch != null ? batch : model.defaultBatch(defaults);
    FlowSpec flow = model.build(data.shape(), width, depth);
    DataSource source = data.trainingSource(0, trainLimit, dataDirectory.directory());
    HeldOut heldOut = data.heldOut(Math.min(defaults.heldOutDuringTraining(), data.maxHeldOut()),
        dataDirectory.directory());
    TrainingOptions options = TrainingOptions.builder().learningRate(defaults.learningRate())
        .warmupSteps(defaults.warmupSteps()).emaDecay(defaults.emaDecay())
        .evaluationBatch(model.evaluationBatch()).xla(xla).build();
    out.printf(Locale.ROOT, "benchmark: %s on %s, batch %d, %d timed steps after %d untimed, %d CPU cores "
        + "visible to the JVM%s%n", model.cliName(), data.cliName(), batchSize, steps, untimedSteps,
        Runtime.getRuntime().availableProcessors(), xla ? ", XLA" : "");
    out.flush();
    long created = System.nanoTime();
    try (Trainer trainer = Trainer.create(flow, options)) {
      double readySeconds = (System.nanoTime() - created) / 1e9;
      // The first step pays for Grappler's first run, ActNorm's initialisation and, with --xla, the compilation.
      long first = System.nanoTime();
      trainer.step(source.batch(trainer.batches(), batchSize), batchSize);
      double firstStepSeconds = (System.nanoTime() - first) / 1e9;
      // Printed at once: with --xla a slow model's steady steps may take long, and this figure is the first answer.
      out.printf(Locale.ROOT, "start-up:  trainer built in %.1f s, first step %.1f s%n", readySeconds,
          firstStepSeconds);
      out.flush();
      for (int i = 1; i < untimedSteps; i++) {
        trainer.step(source.batch(trainer.batches(), batchSize), batchSize);
      }
      long start = System.nanoTime();
      for (int i = 0; i < steps; i++) {
        trainer.step(source.batch(trainer.batches(), batchSize), batchSize);
      }
      double trainSeconds = (System.nanoTime() - start) / 1e9;
      trainer.sample(samplesPerCall, 1.0, 0); // untimed: the first call optimises the sampling graph
      start = System.nanoTime();
      for (int i = 1; i <= samplingCalls; i++) {
        trainer.sample(samplesPerCall, 1.0, i);
      }
      double sampleSeconds = (System.nanoTime() - start) / 1e9;
      Evaluation evaluation = trainer.evaluate(heldOut.values(), heldOut.count());
      out.printf(Locale.ROOT, "training:  %.2f steps/s (%.0f examples/s)%n", steps / trainSeconds,
          steps * batchSize / trainSeconds);
      out.printf(Locale.ROOT, "sampling:  %.0f samples/s (%d calls of %d)%n",
          samplingCalls * (double) samplesPerCall / sampleSeconds, samplingCalls, samplesPerCall);
      OptionalLong peakResident = MemoryUsage.peakResidentBytes();
      out.printf(Locale.ROOT, "memory:    peak resident set (VmHWM) %s, JVM heap peak %s of %s max%n",
          peakResident.isPresent() ? MemoryUsage.mebibytes(peakResident.getAsLong()) : "unknown (no /proc)",
          MemoryUsage.mebibytes(MemoryUsage.peakHeapBytes()), MemoryUsage.mebibytes(MemoryUsage.maxHeapBytes()));
      out.printf(Locale.ROOT, "held-out:  %.4f bits/dim (%.2f nats) on %d %s after %d steps%s%n",
          evaluation.bitsPerDim(), evaluation.negativeLogLikelihood(), evaluation.examples(),
          data.shape().isImage() ? "test images" : "points", trainer.steps(),
          evaluation.averagedWeights() ? " (averaged weights)" : "");
    }
    return ExitCodes.OK;
  }

  /** The launcher of --workers N: the same options for every worker, with the batch per worker. */
  private int launchWorkers(PrintWriter out) {
    TrainCommand.atLeast("--workers", workers, 1);
    TrainCommand.atLeast("--max-rss-mb", (int) Math.min(Integer.MAX_VALUE, maxResidentMegabytes), 256);
    List<String> arguments = new ArrayList<>(List.of("--model", model.cliName(), "--data", data.cliName(),
        "--steps", String.valueOf(steps), "--warmup-steps", String.valueOf(untimedSteps)));
    addIfSet(arguments, "--batch", batch);
    addIfSet(arguments, "--width", width);
    addIfSet(arguments, "--depth", depth);
    addIfSet(arguments, "--train-limit", trainLimit);
    if (dataDirectory.directory != null) {
      arguments.addAll(List.of("--data-dir", dataDirectory.directory.toString()));
    }
    out.printf(Locale.ROOT, "benchmark: %d worker process%s on 127.0.0.1, each capped at %d MiB resident%n",
        workers, workers == 1 ? "" : "es", maxResidentMegabytes);
    out.flush();
    try {
      return new WorkerBenchmarkLauncher(workers, arguments, maxResidentMegabytes * 1024 * 1024,
          WORKER_TIME_LIMIT_SECONDS, WORKER_HEAP_MB).run(out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot start the worker processes: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.FAILED;
    }
  }

  private static void addIfSet(List<String> arguments, String option, @Nullable Object value) {
    if (value != null) {
      arguments.addAll(List.of(option, String.valueOf(value)));
    }
  }
}
