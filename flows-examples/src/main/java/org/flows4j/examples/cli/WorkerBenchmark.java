package org.flows4j.examples.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.OptionalLong;
import org.flows4j.api.FlowSpec;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.distributed.AllReduceTiming;
import org.flows4j.tf.distributed.Cluster;
import org.flows4j.tf.distributed.DistributedTraining;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;

/**
 * One worker process of {@code flows benchmark --workers N}: trains its shard as a task of the data-parallel run
 * (untimed steps, then timed ones), then times on its own the two all-reduces every step runs (the gradient vector,
 * and the few floats of the finite flags and loss), so it can say what share of a step they take. The chief prints
 * the figures; the other workers print one line each.
 */
final class WorkerBenchmark {
  /** Timed repetitions of each all-reduce probe. */
  /** The flags-and-loss all-reduce carries one flag per layer plus the loss: a few dozen floats at most. */
  private static final int FLAG_FLOATS = 64;

  private final BenchmarkCommand command;
  private final Cluster cluster;

  WorkerBenchmark(BenchmarkCommand command, Cluster cluster) {
    this.command = command;
    this.cluster = cluster;
  }

  int run(PrintWriter out) {
    TrainingDefaults defaults = command.data.defaults();
    int batchSize = command.batch != null ? command.batch : command.model.defaultBatch(defaults);
    FlowSpec flow = command.model.build(command.data.shape(), command.width, command.depth);
    DataSource source = DistributedTraining.shard(
        command.data.trainingSource(0, command.trainLimit, command.dataDirectory.directory()), cluster);
    TrainingOptions options = TrainingOptions.builder().learningRate(defaults.learningRate())
        .warmupSteps(defaults.warmupSteps()).emaDecay(defaults.emaDecay())
        .evaluationBatch(command.model.evaluationBatch()).build();
    int n = cluster.size();
    if (cluster.isChief()) {
      out.printf(Locale.ROOT, "benchmark: %s on %s, %d worker%s, batch %d per worker (global %d), %d timed steps "
          + "after %d untimed, %d CPU cores visible to each JVM%n", command.model.cliName(),
          command.data.cliName(), n, n == 1 ? "" : "s", batchSize, n * batchSize, command.steps,
          command.untimedSteps, Runtime.getRuntime().availableProcessors());
      out.flush();
    }
    try (Trainer trainer = DistributedTraining.start(flow, options, cluster, null)) {
      for (int i = 0; i < command.untimedSteps; i++) {
        trainer.step(source.batch(trainer.batches(), batchSize), batchSize);
      }
      long start = System.nanoTime();
      for (int i = 0; i < command.steps; i++) {
        trainer.step(source.batch(trainer.batches(), batchSize), batchSize);
      }
      double stepSeconds = (System.nanoTime() - start) / 1e9 / command.steps;
      long parameters = trainer.weights().length;
      double gradientSeconds = AllReduceTiming.secondsPerAllReduce(cluster, parameters);
      double flagSeconds = AllReduceTiming.secondsPerAllReduce(cluster, FLAG_FLOATS);
      OptionalLong peak = MemoryUsage.peakResidentBytes();
      String memory = peak.isPresent() ? MemoryUsage.mebibytes(peak.getAsLong()) : "unknown (no /proc)";
      if (!cluster.isChief()) {
        out.printf(Locale.ROOT, "task %d: %.2f steps/s, all-reduces %.1f ms per step, peak resident set %s%n",
            cluster.taskIndex(), 1 / stepSeconds, 1e3 * (gradientSeconds + flagSeconds), memory);
        out.flush();
        return ExitCodes.OK;
      }
      // A ring all-reduce (TensorFlow's CPU collective) sends, and receives, 2(N-1)/N times the vector per worker.
      double ring = 2.0 * (n - 1) / n;
      long vectorBytes = 4L * (parameters + FLAG_FLOATS);
      double perWorker = ring * vectorBytes;
      out.printf(Locale.ROOT, "training:   %.2f steps/s (%.0f examples/s over all workers), %.1f ms per step%n",
          1 / stepSeconds, n * batchSize / stepSeconds, 1e3 * stepSeconds);
      out.printf(Locale.ROOT, "all-reduce: %.1f ms per step = %.0f%% of the step (gradients, %d floats: %.1f ms; "
          + "finite flags and loss: %.1f ms; each timed alone, %d runs)%n", 1e3 * (gradientSeconds + flagSeconds),
          100 * (gradientSeconds + flagSeconds) / stepSeconds, parameters, 1e3 * gradientSeconds,
          1e3 * flagSeconds, AllReduceTiming.REPEATS);
      out.printf(Locale.ROOT, "exchanged:  %s sent (and as much received) per worker per step, %s over all "
          + "workers (ring all-reduce: 2(N-1)/N × %d bytes of gradients, flags and loss)%n", bytes(perWorker),
          bytes(n * perWorker), vectorBytes);
      out.printf(Locale.ROOT, "memory:     peak resident set (VmHWM) of the chief %s%n", memory);
      out.flush();
    }
    return ExitCodes.OK;
  }

  private static String bytes(double value) {
    if (value < 1024) {
      return String.format(Locale.ROOT, "%.0f B", value);
    }
    if (value < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", value / 1024);
    }
    return String.format(Locale.ROOT, "%.2f MiB", value / (1024 * 1024));
  }
}
