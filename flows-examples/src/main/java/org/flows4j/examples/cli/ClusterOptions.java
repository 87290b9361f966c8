package org.flows4j.examples.cli;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.flows4j.tf.distributed.Cluster;
import org.flows4j.tf.distributed.ClusterConfigException;
import org.flows4j.tf.distributed.DistributedTraining;
import org.flows4j.tf.training.Replication;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --cluster}, {@code --task-index} and {@code --cluster-timeout}: which worker of a data-parallel run this
 * process is; {@code --devices}: in-graph replicas on this process's devices. Without them, {@code TF_CONFIG} (as Kubeflow's TFJob sets it) decides; without that either, training
 * runs in one process.
 */
final class ClusterOptions {
  @Option(names = "--cluster", paramLabel = "HOST:PORT,...",
      description = "every worker of a data-parallel run, in task order (the same list on every worker); "
          + "default: TF_CONFIG, else one process")
  @Nullable String cluster;

  @Option(names = "--task-index", paramLabel = "I", description = "this worker's position in --cluster (0 is the "
      + "chief, which writes the outputs)")
  @Nullable Integer taskIndex;

  @Option(names = "--cluster-timeout", paramLabel = "SECONDS",
      description = "how long a worker waits for the others before stopping with an error (default: 60)")
  @Nullable Integer timeoutSeconds;

  @Option(names = "--devices", paramLabel = "N",
      description = "split every batch across N devices of this process (virtual CPU devices without a GPU; "
          + "with --cluster, on every worker; default: 1)")
  @Nullable Integer devices;

  /** The cluster this process belongs to, or empty to train alone; a {@link UsageException} for mistakes. */
  Optional<Cluster> resolve() {
    if ((cluster == null) != (taskIndex == null)) {
      throw new UsageException("--cluster and --task-index go together: give both (e.g. --cluster "
          + "127.0.0.1:2222,127.0.0.1:2223 --task-index 0 on the first worker), or neither to train in one process");
    }
    if (devices != null && devices < 1) {
      throw new UsageException("--devices must be at least 1, but was " + devices);
    }
    if (timeoutSeconds != null && timeoutSeconds < 1) {
      throw new UsageException("--cluster-timeout must be at least 1 (seconds), but was " + timeoutSeconds);
    }
    Optional<Cluster> resolved;
    try {
      resolved = cluster != null
          ? Optional.of(Cluster.of(List.of(cluster.split(",", -1)), taskIndex))
          : Cluster.fromEnvironment();
    } catch (ClusterConfigException e) {
      throw new UsageException((cluster != null ? "--cluster: " : "") + e.getMessage());
    }
    return resolved.map(c -> timeoutSeconds == null ? c : c.withTimeout(Duration.ofSeconds(timeoutSeconds)));
  }

  /** How the trainer is replicated: over the cluster's workers, over this process's devices, or not at all. */
  Replication replication(@Nullable Cluster resolved) {
    boolean several = devices != null && devices > 1;
    if (!several) {
      return resolved != null ? DistributedTraining.replication(resolved) : Replication.none();
    }
    Replication local;
    try {
      // GPUs when TensorFlow sees them (so the workers' all-reduce uses NCCL), otherwise virtual CPU devices.
      local = DistributedTraining.devices(devices);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--devices " + devices + ": " + e.getMessage());
    }
    // Devices inside each worker, collectives across workers.
    return resolved != null ? DistributedTraining.replication(resolved, local) : local;
  }

  /** With --devices N, every batch is split into N equal parts. */
  void checkBatch(int batch) {
    if (devices != null && batch % devices != 0) {
      throw new UsageException("--batch " + batch + " cannot be split evenly across --devices " + devices
          + ": use a batch that is a multiple of " + devices);
    }
  }
}
