package org.flows4j.tf.distributed;

import org.tensorflow.DeviceSpec;
import org.tensorflow.OperationBuilder;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TType;

/**
 * TensorFlow's V2 collective ops over the cluster's workers, built with {@code opBuilder} (TensorFlow Java hides
 * {@code CollectiveReduceV2} / {@code CollectiveGatherV2}; its public {@code collectiveReduce} is the V3 op that
 * needs a communicator). Every worker builds the same ops with the same instance keys, and that is how their
 * runs meet: a key names one collective across processes, reused at every step.
 *
 * <p>The implementation is chosen by the workers' device type, through the ops' {@code communication_hint}
 * attribute (TensorFlow 2.18's {@code CollectiveParamResolverLocal::AssignCollectiveType} picks {@code NcclReduce}
 * when the hint is {@code "nccl"}, the group's devices are GPUs and NCCL is linked in; otherwise the ring):
 * <ul>
 *   <li>{@link #reduceOnDevices}, the all-reduce of every training step (gradients, flags and loss), runs on a GPU
 *       worker's first GPU with {@code "nccl"}, in a group of its own ({@link #GPU_GROUP_KEY}: a group's members
 *       share one device type); on a CPU worker, as {@link #reduce}.
 *   <li>{@link #reduce} and {@link #gather}, the start-up and bookkeeping collectives (spec fingerprints, counters,
 *       the chief's state, the first batches), run on the worker's CPU with {@code "ring"} (gRPC between
 *       processes) whatever the devices: they carry integers and float64 values, for which not every GPU collective
 *       kernel is registered, and run once.
 * </ul>
 * The NCCL path is built and checked structurally here; it has not been run, since these machines have no GPU.
 */
final class Collectives {
  static final int GROUP_KEY = 1;
  /** The group of the per-step all-reduces of GPU workers. */
  static final int GPU_GROUP_KEY = 2;
  static final String RING = "ring";
  static final String NCCL = "nccl";
  private final Cluster cluster;
  private final DeviceSpec.DeviceType deviceType;
  private final float timeoutSeconds;

  /** The collectives of {@code cluster}'s workers, whose training devices are of {@code deviceType}. */
  Collectives(Cluster cluster, DeviceSpec.DeviceType deviceType) {
    this.cluster = cluster;
    this.deviceType = deviceType;
    this.timeoutSeconds = cluster.timeout().toMillis() / 1000f;
  }

  /**
   * Elementwise {@code merge} ("Add", "Min", "Max") over the workers, then {@code finalOp} ("Id" or "Div"), on the
   * worker's CPU with the ring implementation.
   */
  <T extends TType> Operand<T> reduce(Ops tf, Operand<T> x, String merge, String finalOp, int instanceKey) {
    return reduce(tf, x, merge, finalOp, instanceKey, GROUP_KEY, RING);
  }

  /**
   * As {@link #reduce}, for the float values of every training step: on a GPU worker placed on its first GPU and
   * hinted {@code "nccl"}; on a CPU worker the same op as {@link #reduce}.
   */
  <T extends TType> Operand<T> reduceOnDevices(Ops tf, Operand<T> x, String merge, String finalOp,
      int instanceKey) {
    if (deviceType != DeviceSpec.DeviceType.GPU) {
      return reduce(tf, x, merge, finalOp, instanceKey);
    }
    Ops onGpu = tf.withDevice(DeviceSpec.newBuilder().job("worker").replica(0).task(cluster.taskIndex())
        .deviceType(DeviceSpec.DeviceType.GPU).deviceIndex(0).build());
    return reduce(onGpu, x, merge, finalOp, instanceKey, GPU_GROUP_KEY, NCCL);
  }

  private <T extends TType> Operand<T> reduce(Ops tf, Operand<T> x, String merge, String finalOp, int instanceKey,
      int groupKey, String hint) {
    OperationBuilder builder = builder(tf, "CollectiveReduceV2", x, instanceKey, groupKey, hint);
    builder.setAttr("merge_op", merge);
    builder.setAttr("final_op", finalOp);
    return output(builder);
  }

  /** The workers' tensors concatenated along the first axis, in task order (on the CPU, ring). */
  <T extends TType> Operand<T> gather(Ops tf, Operand<T> x, int instanceKey) {
    return output(builder(tf, "CollectiveGatherV2", x, instanceKey, GROUP_KEY, RING));
  }

  private OperationBuilder builder(Ops tf, String type, Operand<?> x, int instanceKey, int groupKey, String hint) {
    OperationBuilder builder = tf.scope().opBuilder(type, type + "_" + instanceKey);
    builder.addInput(x.asOutput());
    builder.addInput(tf.constant(cluster.size()).asOutput());
    builder.addInput(tf.constant(groupKey).asOutput());
    builder.addInput(tf.constant(instanceKey).asOutput());
    builder.addInputList(new Output<?>[0]);
    builder.setAttr("communication_hint", hint);
    // A worker that never comes or stops answering fails the collective after this long instead of hanging.
    builder.setAttr("timeout_seconds", timeoutSeconds);
    return builder;
  }

  @SuppressWarnings("unchecked")
  private static <T extends TType> Operand<T> output(OperationBuilder builder) {
    return (Operand<T>) builder.build().output(0);
  }
}
