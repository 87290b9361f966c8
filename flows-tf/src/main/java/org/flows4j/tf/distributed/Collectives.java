package org.flows4j.tf.distributed;

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
 */
final class Collectives {
  static final int GROUP_KEY = 1;
  private final int groupSize;
  private final float timeoutSeconds;

  Collectives(Cluster cluster) {
    this.groupSize = cluster.size();
    this.timeoutSeconds = cluster.timeout().toMillis() / 1000f;
  }

  /** Elementwise {@code merge} ("Add", "Min", "Max") over the workers, then {@code finalOp} ("Id" or "Div"). */
  <T extends TType> Operand<T> reduce(Ops tf, Operand<T> x, String merge, String finalOp, int instanceKey) {
    OperationBuilder builder = builder(tf, "CollectiveReduceV2", x, instanceKey);
    builder.setAttr("merge_op", merge);
    builder.setAttr("final_op", finalOp);
    return output(builder);
  }

  /** The workers' tensors concatenated along the first axis, in task order. */
  <T extends TType> Operand<T> gather(Ops tf, Operand<T> x, int instanceKey) {
    return output(builder(tf, "CollectiveGatherV2", x, instanceKey));
  }

  private OperationBuilder builder(Ops tf, String type, Operand<?> x, int instanceKey) {
    OperationBuilder builder = tf.scope().opBuilder(type, type + "_" + instanceKey);
    builder.addInput(x.asOutput());
    builder.addInput(tf.constant(groupSize).asOutput());
    builder.addInput(tf.constant(GROUP_KEY).asOutput());
    builder.addInput(tf.constant(instanceKey).asOutput());
    builder.addInputList(new Output<?>[0]);
    // A worker that never comes or stops answering fails the collective after this long instead of hanging.
    builder.setAttr("timeout_seconds", timeoutSeconds);
    return builder;
  }

  @SuppressWarnings("unchecked")
  private static <T extends TType> Operand<T> output(OperationBuilder builder) {
    return (Operand<T>) builder.build().output(0);
  }
}
