package org.flows4j.tf.distributed;

import static org.flows4j.api.conditioner.Conditioners.convNet;

import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.BufferedOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.Mask;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.ToyDataSource;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.StepReport;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;

/**
 * One worker process of the multi-process tests (and the in-process reference run): trains a small model and
 * records, after every optimizer step, the loss and all live weights; at the end, samples (which use the EMA
 * weights, so equal samples mean equal averages). Arguments are {@code key=value}.
 *
 * <p>Exit codes: 0 done, 3 {@link ClusterException} (message on stderr), 4 {@link ClusterConfigException}.
 */
public final class TrainingWorker {
  static final int CLUSTER_FAILURE = 3;
  static final int CONFIG_FAILURE = 4;

  private TrainingWorker() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> a = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      a.put(arg.substring(0, eq), arg.substring(eq + 1));
    }
    int code;
    try {
      run(a);
      code = 0;
    } catch (ClusterException e) {
      System.err.println("CLUSTER: " + e.getMessage());
      code = CLUSTER_FAILURE;
    } catch (ClusterConfigException e) {
      System.err.println("CONFIG: " + e.getMessage());
      code = CONFIG_FAILURE;
    }
    System.err.flush();
    // The TensorFlow server cannot be shut down: end the process deliberately.
    Runtime.getRuntime().halt(code);
  }

  static void run(Map<String, String> a) throws IOException {
    String model = a.get("model");
    int steps = Integer.parseInt(a.get("steps"));
    int batch = Integer.parseInt(a.get("batch"));
    Cluster cluster = Cluster.of(List.of(a.get("cluster").split(",")), Integer.parseInt(a.get("task")))
        .withTimeout(Duration.ofSeconds(Long.parseLong(a.getOrDefault("timeout", "30"))));
    TrainingOptions options = options(a.getOrDefault("lr", "0.001"));
    Path checkpoints = a.containsKey("checkpoints") ? Path.of(a.get("checkpoints")) : null;
    int checkpointEvery = Integer.parseInt(a.getOrDefault("checkpointEvery", "0"));
    int devices = Integer.parseInt(a.getOrDefault("devices", "1"));
    try (Trainer trainer = devices == 1 ? DistributedTraining.start(spec(model), options, cluster, checkpoints)
            : DistributedTraining.start(spec(model), options, cluster, DistributedTraining.cpuDevices(devices),
                checkpoints);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
            new FileOutputStream(a.get("out"), true)))) {
      DataSource data = DistributedTraining.shard(data(model), cluster);
      train(trainer, data, batch, steps, out, cluster.isChief() ? checkpoints : null, checkpointEvery,
          Long.parseLong(a.getOrDefault("hangAfter", "-1")));
    }
  }

  /** Trains to {@code steps}, writing (step, loss, weights) after each update, then (-1, 0, samples). */
  static void train(Trainer trainer, DataSource data, int batch, int steps, DataOutputStream out,
      Path checkpoints, int checkpointEvery) throws IOException {
    train(trainer, data, batch, steps, out, checkpoints, checkpointEvery, -1);
  }

  /** As above; after step {@code hangAfter} the worker stops answering (for a test to kill it there). */
  static void train(Trainer trainer, DataSource data, int batch, int steps, DataOutputStream out,
      Path checkpoints, int checkpointEvery, long hangAfter) throws IOException {
    while (trainer.steps() < steps) {
      StepReport report = trainer.step(data.batch(trainer.batches(), batch), batch);
      if (!report.applied()) {
        continue;
      }
      write(out, trainer.steps(), report.loss(), trainer.weights());
      if (checkpoints != null && checkpointEvery > 0 && trainer.steps() % checkpointEvery == 0) {
        trainer.saveCheckpoint(checkpoints);
      }
      if (trainer.steps() == hangAfter) {
        try {
          Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    write(out, -1, 0, trainer.sample(16, 1.0, 7));
  }

  private static void write(DataOutputStream out, long step, double loss, float[] values) throws IOException {
    out.writeLong(step);
    out.writeDouble(loss);
    out.writeInt(values.length);
    for (float v : values) {
      out.writeFloat(v);
    }
    out.flush();
  }

  /** Adam with warm-up, clipping (tight enough to act) and an EMA: every piece of state a replica must agree on. */
  static TrainingOptions options(String learningRate) {
    return TrainingOptions.builder().learningRate(Double.parseDouble(learningRate)).warmupSteps(3).clipNorm(5)
        .emaDecay(0.9).seed(11).build();
  }

  static FlowSpec spec(String model) {
    return switch (model) {
      case "realnvp" -> Presets.realNvp(Shape.of(2)).couplings(4).width(16).build();
      // realnvp's data with another spec (wider couplings): for the test of workers started with different specs.
      case "realnvp-wide" -> Presets.realNvp(Shape.of(2)).couplings(4).width(24).build();
      case "glow" -> Flows.multiscale(Shape.of(4, 4, 2))
          .levels(2, level -> level.squeeze()
              .steps(2, step -> step.actNorm()
                  .invertibleConv1x1(Conv1x1.LU_DECOMPOSED)
                  .affineCoupling(Mask.CHANNELS, convNet(8), AffineScale.sigmoid())))
          .build();
      case "resflow" -> Flows.sequential(Shape.of(2))
          .steps(2, step -> step.actNorm().residualBlock(b -> b.lipschitzMlp(16, 16).logDet(LogDet.exact())))
          .build();
      default -> throw new IllegalArgumentException("unknown model " + model);
    };
  }

  /** The global data: two moons for vectors; smooth random 4×4×2 images (continuous, no dequantization) for Glow. */
  static DataSource data(String model) {
    if (!model.equals("glow")) {
      return new ToyDataSource(ToyDensity.MOONS, 5);
    }
    return new DataSource() {
      @Override
      public Shape shape() {
        return Shape.of(4, 4, 2);
      }

      @Override
      public float[] batch(long index, int size) {
        SplittableRandom random = new SplittableRandom(1000 + index);
        float[] values = new float[size * 32];
        for (int n = 0; n < size; n++) {
          double phase = random.nextDouble(0, 2 * Math.PI);
          double amplitude = random.nextDouble(0.5, 1.5);
          for (int i = 0; i < 32; i++) {
            int row = i / 8;
            int column = (i / 2) % 4;
            int channel = i % 2;
            values[n * 32 + i] = (float) (amplitude * Math.sin(phase + row + 0.5 * column + channel)
                + 0.1 * random.nextGaussian());
          }
        }
        return values;
      }
    };
  }
}
