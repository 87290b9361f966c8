package org.flows4j.tf.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDataSource;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.Test;

/**
 * A TensorFlow server's devices are fixed when it starts (its default session settings create the virtual CPU
 * devices), and TensorFlow cannot shut a server down. So a second trainer of the same task in one process that asks
 * for another device count is refused with one line naming both counts, while one asking for the same count reuses
 * the server and trains. An in-process server of a one-worker cluster on a free loopback port; it stays up until the
 * test JVM exits.
 */
class WorkerServerDevicesTest {
  private static final FlowSpec SPEC = Presets.realNvp(Shape.of(2)).couplings(2).width(8).build();

  @Test
  void aTrainerAskingForAnotherDeviceCountThanTheRunningServerIsRefused() throws Exception {
    String address = LoopbackCluster.addresses(1);
    Cluster cluster = Cluster.of(List.of(address), 0).withTimeout(Duration.ofSeconds(20));
    TrainingOptions options = TrainingOptions.builder().learningRate(1e-3).build();
    ToyDataSource moons = new ToyDataSource(ToyDensity.MOONS, 3);
    try (Trainer first = DistributedTraining.start(SPEC, options, cluster, null)) {
      assertThat(Double.isFinite(first.step(moons.batch(0, 16), 16).loss())).isTrue();
    }

    assertThatThrownBy(() -> DistributedTraining.start(SPEC, options, cluster, DistributedTraining.cpuDevices(2),
        null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the TensorFlow server of task 0 (" + address + ") in this process was started with 1 device(s), "
            + "and a server's devices are fixed when it starts; every trainer of this process must use the same "
            + "number of devices, but this one asks for 2")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

    try (Trainer again = DistributedTraining.start(SPEC, options, cluster, DistributedTraining.cpuDevices(1), null)) {
      assertThat(Double.isFinite(again.step(moons.batch(1, 16), 16).loss())).isTrue();
    }
  }
}
