package org.flows4j.examples;

import java.util.SplittableRandom;
import static org.flows4j.api.Flows.sequential;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import java.nio.file.Path;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Shape;
import org.flows4j.api.step.Mask;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;

/**
 * The smallest complete use of flows4j from Java: declare a RealNVP with the DSL, train it on the two-moons
 * density, print its held-out negative log-likelihood, export it as a SavedModel and load that back.
 *
 * <p>Run with {@code java -cp … org.flows4j.examples.TwoMoonsExample [output folder]}.
 */
public final class TwoMoonsExample {
  private static final int BATCH = 256;
  private static final int HELD_OUT = 2000;

  private TwoMoonsExample() {}

  public static void main(String[] args) {
    Path savedModel = args.length > 0 ? Path.of(args[0]) : Path.of("out", "two-moons-example");
    double nll = train(savedModel, realNvp(8, 64), 1500);
    System.out.printf("held-out NLL %.4f nats (the density's entropy is about 2.35)%n", nll);
    System.out.printf("exported to %s; log p(0, 0.5) = %.4f%n", savedModel, logProbAt(savedModel, 0f, 0.5f));
  }

  /**
   * RealNVP for points in the plane: {@code couplings} × (actNorm, then an affine coupling whose MLP conditioner
   * has two hidden layers of {@code width}); the masks alternate so each coordinate is transformed in turn.
   */
  static FlowSpec realNvp(int couplings, int width) {
    return sequential(Shape.of(2))
        .stepsIndexed(couplings, (i, step) -> step.actNorm()
            .affineCoupling(Mask.HALF.flippedIf(i % 2 == 1), mlp(width, width)))
        .build();
  }

  /** Trains {@code flow} for {@code steps} batches, exports to {@code savedModel}, and returns the held-out NLL in nats. */
  public static double train(Path savedModel, FlowSpec flow, int steps) {
    ToyDensity moons = ToyDensity.MOONS;
    float[] heldOut = moons.sampleFlat(HELD_OUT, new SplittableRandom(-1));
    TrainingOptions options = TrainingOptions.builder().learningRate(3e-3).seed(1).build();
    try (Trainer trainer = Trainer.create(flow, options)) {
      for (int step = 0; step < steps; step++) {
        // A fresh batch every step: the toy density is an endless training set.
        trainer.step(moons.sampleFlat(BATCH, new SplittableRandom(step)), BATCH);
      }
      double nll = trainer.evaluate(heldOut, HELD_OUT).negativeLogLikelihood();
      trainer.exportSavedModel(savedModel);
      return nll;
    }
  }

  /** Loads the exported model, as a serving process would, and evaluates log p at one point. */
  public static float logProbAt(Path savedModel, float x, float y) {
    try (FlowModel model = FlowModel.load(savedModel)) {
      return model.logProb(new float[] {x, y}, 1)[0];
    }
  }
}
