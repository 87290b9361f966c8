package org.flows4j.examples.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import org.flows4j.api.FlowSpec;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.distributed.Cluster;
import org.flows4j.tf.distributed.DistributedTraining;
import org.flows4j.tf.training.RunOptions;
import org.flows4j.tf.training.StepReport;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingListener;
import org.flows4j.tf.training.TrainingOptions;
import org.flows4j.tf.training.TrainingRun;
import org.jspecify.annotations.Nullable;

/**
 * {@code flows train} on a worker other than the chief: the same model, options and data as the chief (its shard of
 * each global batch), no files written, no evaluation; it adopts the chief's state at start-up (fresh or resumed)
 * and prints a line now and then.
 */
final class WorkerTraining {
  private static final int REPORT_EVERY = 100;

  private WorkerTraining() {}

  static int train(Cluster cluster, ClusterOptions clusterOptions, FlowSpec spec, TrainingOptions options,
      ModelPreset model, DataChoice data, @Nullable Integer batch, @Nullable Integer steps, @Nullable Integer trainLimit, Path dataDirectory,
      PrintWriter out, boolean quiet) {
    int batchSize = batch != null ? batch : model.defaultBatch(data.defaults());
    long lastStep = steps != null ? steps : data.defaults().steps();
    if (trainLimit != null && batchSize > trainLimit) {
      throw new UsageException("--batch " + batchSize + " is larger than --train-limit " + trainLimit
          + ": a batch cannot hold more images than there are. Lower --batch or raise --train-limit.");
    }
    clusterOptions.checkBatch(batchSize);
    DataSource source = DistributedTraining.shard(data.trainingSource(options.seed(), trainLimit, dataDirectory),
        cluster);
    String name = cluster.describeTask(cluster.taskIndex());
    if (!quiet) {
      out.printf(Locale.ROOT, "%s of %d: training %s on %s to step %d, batch %d per worker; %s writes the "
          + "outputs%n", name, cluster.size(), model.cliName(), data.cliName(), lastStep, batchSize,
          cluster.describeTask(0));
      out.flush();
    }
    // A fresh trainer even when the chief resumes: this worker adopts the chief's restored state at start-up.
    try (Trainer trainer = Trainer.create(spec, options, clusterOptions.replication(cluster))) {
      TrainingRun.run(trainer, source, null, RunOptions.builder().steps(lastStep).batchSize(batchSize).build(),
          new TrainingListener() {
            @Override
            public void onStep(StepReport report) {
              if (!quiet && (report.step() % REPORT_EVERY == 0 || report.step() == lastStep)) {
                out.printf(Locale.ROOT, "%s: step %d/%d  loss %.4f nats (global batch)%n", name, report.step(),
                    lastStep, report.loss());
                out.flush();
              }
            }
          });
    }
    return ExitCodes.OK;
  }
}
