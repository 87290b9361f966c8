package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.data.ToyDataSource;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.distributed.DistributedTraining;
import org.junit.jupiter.api.Test;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.StepStats;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * In-graph replication on 2 virtual CPU devices: each device computes the forward pass of half of every batch of
 * 2b, and training equals one device on the batch of 2b (Adam, clipping and EMA on); TensorFlow's step statistics show
 * that both devices ran ops.
 */
class DeviceReplicasTest {
  private static final int STEPS = 20;
  private static final int BATCH = 64;

  @Test
  void twoVirtualCpuDevicesWithHalfTheBatchEachEqualOneDeviceWithTheWholeBatch() {
    TrainingOptions options = TrainingOptions.builder().learningRate(1e-3).warmupSteps(3).clipNorm(5)
        .emaDecay(0.9).seed(4).build();
    ToyDataSource moons = new ToyDataSource(ToyDensity.MOONS, 9);
    float[] oneDevice;
    float[] twoDevices;
    double lossOne = 0;
    double lossTwo = 0;
    try (Trainer one = Trainer.create(Presets.realNvp(Shape.of(2)).couplings(4).width(16).build(), options);
        Trainer two = Trainer.create(Presets.realNvp(Shape.of(2)).couplings(4).width(16).build(), options,
            DistributedTraining.cpuDevices(2))) {
      for (int step = 0; step < STEPS; step++) {
        float[] batch = moons.batch(step, BATCH);
        lossOne = one.step(batch, BATCH).loss();
        lossTwo = two.step(batch, BATCH).loss();
      }
      oneDevice = one.weights();
      twoDevices = two.weights();
      assertThat(devicesThatRanOps(two)).contains("/job:localhost/replica:0/task:0/device:CPU:0",
          "/job:localhost/replica:0/task:0/device:CPU:1");
      assertThat(placedOn(two, "CPU:1")).isGreaterThan(10);
    }
    double difference = 0;
    double norm = 0;
    for (int i = 0; i < oneDevice.length; i++) {
      difference += Math.pow(oneDevice[i] - twoDevices[i], 2);
      norm += Math.pow(oneDevice[i], 2);
    }
    System.out.printf("2 virtual CPU devices vs 1 after %d steps: weights %.2g (relative L2), loss %.9f vs %.9f%n",
        STEPS, Math.sqrt(difference / norm), lossTwo, lossOne);
    // Per-example computations are the same ops on the same rows, but the gradient sums over the batch are split
    // differently (each device's part, then their sum). The loss agrees to float32 rounding (measured 1.4e-7); the
    // weights to 1e-3 in relative L2 (measured 2.8e-4), not per component: Adam divides each gradient component by
    // its own RMS, so components whose gradient is at the rounding level move by about ±lr with a sign set by the
    // summation order (see DataParallelTrainingTest).
    assertThat(Math.sqrt(difference / norm)).isLessThan(1e-3);
    assertThat(Math.abs(lossTwo - lossOne)).isLessThan(1e-5 * Math.abs(lossOne));
  }

  private static Set<String> devicesThatRanOps(Trainer trainer) {
    try (TFloat32 x = HostTensors.float32(new ToyDataSource(ToyDensity.MOONS, 1).batch(0, 8), new long[] {8, 2});
        TInt64 seed = HostTensors.seed(1);
        Result result = trainer.session().runner().feed("data", x).feed("noise_seed", seed).fetch("mean_nll")
            .setOptions(RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build())
            .runAndFetchMetadata()) {
      StepStats stats = result.getMetadata().orElseThrow().getStepStats();
      Set<String> devices = new HashSet<>();
      stats.getDevStatsList().forEach(d -> {
        if (d.getNodeStatsCount() > 0) {
          devices.add(d.getDevice());
        }
      });
      return devices;
    }
  }

  private static int placedOn(Trainer trainer, String device) {
    int count = 0;
    for (Iterator<GraphOperation> it = trainer.graph().operations(); it.hasNext(); ) {
      if (it.next().device().endsWith(device)) {
        count++;
      }
    }
    return count;
  }
}
