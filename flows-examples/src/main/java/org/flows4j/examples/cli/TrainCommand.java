package org.flows4j.examples.cli;

import java.io.PrintStream;
import java.util.concurrent.Callable;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows train}: maximum-likelihood training, reporting the held-out NLL as it falls. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Train a flow by maximum likelihood and report the held-out negative log-likelihood.")
public final class TrainCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "realnvp", description = "realnvp, nice or glow (default: ${DEFAULT-VALUE})")
  String model = "realnvp";

  @Option(names = "--data", defaultValue = "moons",
      description = "8gaussians, checkerboard, 2spirals, moons, pinwheel, rings or circles (default: ${DEFAULT-VALUE})")
  String data = "moons";

  @Option(names = "--steps", defaultValue = "2000", description = "training steps (default: ${DEFAULT-VALUE})")
  int steps = 2000;

  @Option(names = "--batch", defaultValue = "256", description = "batch size (default: ${DEFAULT-VALUE})")
  int batch = 256;

  @Option(names = "--lr", defaultValue = "3e-3", description = "Adam learning rate (default: ${DEFAULT-VALUE})")
  double learningRate = 3e-3;

  @Option(names = "--seed", defaultValue = "0", description = "seed for weights and data (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--eval-every", defaultValue = "200", description = "steps between reports (default: ${DEFAULT-VALUE})")
  int evalEvery = 200;

  @Override
  public Integer call() {
    PrintStream out = System.out;
    ToyDensity density = ToyDensity.fromCliName(data);
    FlowSpec spec = ModelPreset.fromCliName(model).build(Shape.of(2));
    int testSize = 5000;
    float[] test = density.sampleFlat(testSize, seed ^ 0x7E57L);
    TrainingOptions options = TrainingOptions.defaults().withLearningRate(learningRate).withSeed(seed);
    out.printf("training %s on %s: %d steps, batch %d, lr %g%n", model, density.cliName(), steps, batch,
        learningRate);
    long start = System.nanoTime();
    try (Trainer trainer = Trainer.create(spec, options)) {
      for (int step = 1; step <= steps; step++) {
        trainer.step(density.sampleFlat(batch, seed * 1_000_003L + step), batch);
        if (step == 1 || step % evalEvery == 0 || step == steps) {
          double nll = trainer.evaluate(test, testSize).negativeLogLikelihood();
          double seconds = (System.nanoTime() - start) / 1e9;
          out.printf("step %6d  held-out NLL %.4f nats  (%.0f steps/s)%n", step, nll, step / seconds);
        }
      }
    }
    return 0;
  }
}
