package org.flows4j.tf.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.training.Replication;
import org.junit.jupiter.api.Test;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.LocalDeviceTypes;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.TensorProto;

/**
 * Which all-reduce implementation a worker's graph asks for, by its devices' type: the per-step gradient all-reduce
 * of a GPU worker is a {@code CollectiveReduceV2} on its first GPU hinted {@code "nccl"} (in a GPU group of its own),
 * a CPU worker's the same op unplaced and hinted {@code "ring"}; start-up collectives stay on the CPU ring either
 * way. Structure only: building these graphs needs no GPU, running the NCCL one does (not done here, no GPU).
 */
class CollectiveImplementationTest {
  private static final Cluster CLUSTER = Cluster.of(List.of("127.0.0.1:1", "127.0.0.1:2"), 1);

  @Test
  void gpuWorkersAllReduceTheirGradientsWithNcclOnTheirFirstGpu() {
    List<Collective> collectives = collectivesOf(DistributedTraining.gpuDevices(2));

    assertThat(collectives).containsExactlyInAnyOrder(
        new Collective("CollectiveReduceV2", "nccl", "/job:worker/replica:0/task:1/device:GPU:0",
            Collectives.GPU_GROUP_KEY),
        new Collective("CollectiveGatherV2", "ring", "", Collectives.GROUP_KEY));
  }

  @Test
  void cpuWorkersAllReduceWithTheRing() {
    for (Replication devices : List.of(DistributedTraining.cpuDevices(1), DistributedTraining.cpuDevices(2))) {
      assertThat(collectivesOf(devices)).containsExactlyInAnyOrder(
          new Collective("CollectiveReduceV2", "ring", "", Collectives.GROUP_KEY),
          new Collective("CollectiveGatherV2", "ring", "", Collectives.GROUP_KEY));
    }
  }

  /**
   * What {@code flows train --devices N} asks for: GPUs when TensorFlow sees some, else virtual CPU devices (what
   * this test sees on a machine without a GPU: CPU devices, whose all-reduce above is the ring).
   */
  @Test
  void devicesAreGpusWhenTensorFlowSeesThemAndVirtualCpusOtherwise() {
    List<String> types = LocalDeviceTypes.list();
    assertThat(types).contains("CPU");

    LocalDevices devices = (LocalDevices) DistributedTraining.devices(2);
    assertThat(devices.devices()).isEqualTo(2);
    assertThat(devices.type()).isEqualTo(types.contains("GPU") ? DeviceSpec.DeviceType.GPU
        : DeviceSpec.DeviceType.CPU);
    System.out.println("devices TensorFlow sees in this process: " + types);
  }

  /** A collective op as built: its type, {@code communication_hint}, requested device and group key. */
  private record Collective(String type, String hint, String device, int groupKey) {}

  /** The collectives of a worker's gradient mean and global batch, as the trainer builds them. */
  private static List<Collective> collectivesOf(Replication devices) {
    Replication replication = DistributedTraining.replication(CLUSTER, devices);
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      replication.mean(tf, List.of(tf.constant(new float[] {1f, 2f, 3f})));
      replication.globalBatch(tf, tf.constant(new float[][] {{1f, 2f}}));
      List<Collective> collectives = new ArrayList<>();
      graph.operations().forEachRemaining(op -> {
        if (op.type().startsWith("Collective")) {
          collectives.add(new Collective(op.type(), op.attributes().getAttrString("communication_hint"),
              op.device(), groupKey(op)));
        }
      });
      return collectives;
    }
  }

  private static int groupKey(GraphOperation collective) {
    GraphOperation constant = (GraphOperation) collective.input(2).op();
    TensorProto value = constant.attributes().getAttrValueProto("value").getTensor();
    return value.getIntValCount() > 0 ? value.getIntVal(0)
        : value.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getInt();
  }
}
