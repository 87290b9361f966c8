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
    return new CollectiveReplication(cluster, LocalDevices.ONE_CPU);
  }

  /**
   * The replication hooks of this process's task when it has several devices: {@code devices} is what
   * {@link #cpuDevices} or {@link #gpuDevices} returned. Each worker splits its batch across its own devices
   * (in-graph replicas, gradients summed in the graph) and the workers' gradients are all-reduced by collectives,
   * so the update is the mean over workers × devices × per-device batch, the global batch.
   *
   * @throws IllegalArgumentException if {@code devices} did not come from {@code cpuDevices} or {@code gpuDevices}
   */
  public static Replication replication(Cluster cluster, Replication devices) {
    if (!(devices instanceof LocalDevices local)) {
      throw new IllegalArgumentException("devices must come from DistributedTraining.cpuDevices(n) or gpuDevices(n), "
          + "but was a " + devices.getClass().getSimpleName());
    }
    return new CollectiveReplication(cluster, local);
  }

  /**
   * A trainer for this worker. When {@code checkpointRoot} holds a checkpoint, the chief resumes from it and the
   * other workers adopt the chief's restored state over the network (they need no copy of the checkpoint);
   * otherwise every worker starts from the chief's fresh weights.
   */
  public static Trainer start(FlowSpec spec, TrainingOptions options, Cluster cluster,
      @Nullable Path checkpointRoot) {
    return start(spec, options, replication(cluster), cluster, checkpointRoot);
  }

  /**
   * {@link #start(FlowSpec, TrainingOptions, Cluster, Path)} for a worker with several devices ({@code devices}
   * from {@link #cpuDevices} or {@link #gpuDevices}; see {@link #replication(Cluster, Replication)}).
   */
  public static Trainer start(FlowSpec spec, TrainingOptions options, Cluster cluster, Replication devices,
      @Nullable Path checkpointRoot) {
    return start(spec, options, replication(cluster, devices), cluster, checkpointRoot);
  }

  private static Trainer start(FlowSpec spec, TrainingOptions options, Replication replication, Cluster cluster,
      @Nullable Path checkpointRoot) {
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

  /**
   * {@code n} devices of the kind this process has: {@link #gpuDevices} when TensorFlow sees GPUs (a build with the
   * {@code gpu} profile on a host with CUDA), otherwise {@link #cpuDevices} (virtual CPU devices). What
   * {@code flows train --devices N} uses.
   *
   * @throws IllegalArgumentException if this process has GPUs, but fewer than {@code n}
   */
  public static Replication devices(int n) {
    long gpus = org.tensorflow.LocalDeviceTypes.list().stream().filter("GPU"::equals).count();
    if (gpus == 0) {
      return cpuDevices(n);
    }
    if (gpus < n) {
      throw new IllegalArgumentException(n + " devices were asked for, but TensorFlow sees " + gpus + " GPU"
          + (gpus == 1 ? "" : "s") + " in this process; ask for at most " + gpus);
    }
    return gpuDevices(n);
  }

  /** This worker's shard of {@code data}: see {@link ShardedDataSource}. */
  public static DataSource shard(DataSource data, Cluster cluster) {
    return cluster.size() == 1 ? data : new ShardedDataSource(data, cluster.size(), cluster.taskIndex());
  }
}
