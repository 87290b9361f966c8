package org.flows4j.tf.residual;

import java.util.SplittableRandom;
import static org.assertj.core.api.Assertions.assertThat;

import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.Test;

class ResidualTrainingTest {

  /**
   * The toy Residual Flow preset (smaller than the paper's 100 blocks of 4×128, for a test) trained with the
   * Russian-roulette estimator and the Neumann gradient; the held-out NLL is evaluated with the exact log-det.
   */
  @Test
  void toyPresetLowersTheExactHeldOutNll() {
    FlowSpec spec = Presets.residualFlow(Shape.of(2)).blocks(4).width(32).build();
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().learningRate(5e-3).seed(3).build())) {
      double[] nll = heldOutNllBeforeAndAfterTraining(trainer);
      double before = nll[0];
      double after = nll[1];
      System.out.printf("residual flow on 8 gaussians: exact held-out NLL %.3f -> %.3f nats in %d steps%n",
          before, after, trainer.steps());
      assertThat(after).isLessThan(before - 0.3);
      float[] samples = trainer.sample(200, 1.0, 4);
      assertThat(samples).hasSize(400);
    }
  }

  /**
   * 250 steps of batch 256 on 8 Gaussians; the held-out NLL on 2000 other draws after the first step and after the
   * last, {@code [before, after]}.
   */
  static double[] heldOutNllBeforeAndAfterTraining(Trainer trainer) {
    float[] test = ToyDensity.EIGHT_GAUSSIANS.sampleFlat(2000, new SplittableRandom(5));
    trainer.step(ToyDensity.EIGHT_GAUSSIANS.sampleFlat(256, new SplittableRandom(0)), 256);
    double before = trainer.evaluate(test, 2000).negativeLogLikelihood();
    for (int step = 1; step < 250; step++) {
      trainer.step(ToyDensity.EIGHT_GAUSSIANS.sampleFlat(256, new SplittableRandom(step)), 256);
    }
    return new double[] {before, trainer.evaluate(test, 2000).negativeLogLikelihood()};
  }
}
