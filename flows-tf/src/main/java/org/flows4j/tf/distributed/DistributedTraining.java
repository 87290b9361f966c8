package org.flows4j.tf.distributed;

import java.nio.file.Path;
import org.flows4j.api.FlowSpec;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.training.Checkpoints;
import org.flows4j.tf.training.Replication;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.jspecify.annotations.Nullable;
import org.tensorflow.DeviceSpec;

/**
 * Entry points for training as one worker of a cluster. Start one process per worker, each with the same spec,
 * options and data, and its own task index; every process calls {@link #start} and then trains as usual
 * ({@code TrainingRun.run} with {@link #shard} of the data). Only the chief (task 0) should write checkpoints,
 * metrics and exports.
 */
public final class DistributedTraining {
  private DistributedTraining() {}

  /** The replication hooks of this process's task (starts its TensorFlow server on first use). */
  public static Replication replication(Cluster cluster) {
    return new CollectiveReplication(cluster);
  }

  /**
   * A trainer for this worker. When {@code checkpointRoot} holds a checkpoint, the chief resumes from it and the
   * other workers adopt the chief's restored state over the network (they need no copy of the checkpoint);
   * otherwise every worker starts from the chief's fresh weights.
   */
  public static Trainer start(FlowSpec spec, TrainingOptions options, Cluster cluster,
      @Nullable Path checkpointRoot) {
    Replication replication = replication(cluster);
    if (cluster.isChief() && checkpointRoot != null && Checkpoints.exists(checkpointRoot)) {
      return Trainer.resume(checkpointRoot, replication);
    }
    return Trainer.create(spec, options, replication);
  }

  /**
   * In-graph replication on {@code n} CPU devices of this process (virtual ones: TensorFlow splits the CPU), each
   * computing the forward pass of a {@code 1/n} share of every batch; pass it to {@code Trainer.create}. The batch
   * size must be a multiple of {@code n}.
   */
  public static Replication cpuDevices(int n) {
    return new LocalDevices(n, DeviceSpec.DeviceType.CPU);
  }

  /** {@link #cpuDevices} on {@code n} GPUs (build with the {@code gpu} profile). */
  public static Replication gpuDevices(int n) {
    return new LocalDevices(n, DeviceSpec.DeviceType.GPU);
  }

  /** This worker's shard of {@code data}: see {@link ShardedDataSource}. */
  public static DataSource shard(DataSource data, Cluster cluster) {
    return cluster.size() == 1 ? data : new ShardedDataSource(data, cluster.size(), cluster.taskIndex());
  }
}
