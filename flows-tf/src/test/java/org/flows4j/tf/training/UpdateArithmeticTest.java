package org.flows4j.tf.training;

import java.util.SplittableRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDensity;
import org.junit.jupiter.api.Test;

/**
 * The trainer's update arithmetic, checked number by number against the formulas its javadoc states: global-norm
 * clipping inside Adam's first update, and the EMA's decay with its warm-up. Each run accumulates over two batches
 * so the weights (and gradients) can be read between ActNorm's initialisation and the first update.
 */
class UpdateArithmeticTest {
  private static final FlowSpec SPEC = Presets.realNvp(Shape.of(2)).couplings(2).width(16).build();

  private static float[] batch(long index) {
    return ToyDensity.EIGHT_GAUSSIANS.sampleFlat(64, new SplittableRandom(500 + index));
  }

  /**
   * With ε = 1, Adam's first step {@code Δ = -lr·√(1-β2)/(1-β1) · m/(√v + ε)}, {@code m = (1-β1)·g'},
   * {@code v = (1-β2)·g'²}, is far from sign(g'), so the clipped gradient {@code g' = g·min(1, c/‖g‖)} shows in
   * every weight's change. Asserted for c below the norm (scaled) and above it (untouched), to 1e-3 relative
   * plus 1e-6 (float32 rounding of the weights).
   * Per-tensor clipping, a squared factor or clipping the sum instead of the average would all miss by far more.
   */
  @Test
  void clippingScalesTheAveragedGradientByMinOfOneAndClipOverGlobalNorm() {
    for (double clipOverNorm : new double[] {0.25, 4.0}) {
      TrainingOptions probe = TrainingOptions.builder().seed(8).epsilon(1.0).learningRate(0.5)
          .accumulationSteps(2).build();
      double norm = firstGradientNorm(probe);
      double clip = clipOverNorm * norm;
      TrainingOptions options = probe.toBuilder().clipNorm(clip).build();
      try (Trainer trainer = Trainer.create(SPEC, options)) {
        trainer.step(batch(0), 64);
        double[] before = TrainerProbe.weights(trainer);
        double[] gradient = TrainerProbe.accumulatedGradients(trainer); // one batch so far: sum = that batch's
        StepReport report = trainer.step(batch(0), 64); // the same batch again: the average is that gradient
        assertThat(report.applied()).isTrue();
        assertThat(report.gradientNorm()).as("reported norm is the unclipped one")
            .isCloseTo(norm, within(1e-5 * norm));
        double[] after = TrainerProbe.weights(trainer);
        double scale = Math.min(1, clip / norm);
        double lr = 0.5 * Math.sqrt(1 - 0.999) / (1 - 0.9);
        double worst = 0;
        double largest = 0;
        for (int i = 0; i < before.length; i++) {
          double g = gradient[i] * scale;
          double m = 0.1 * g;
          double v = 0.001 * g * g;
          double expected = -lr * m / (Math.sqrt(v) + 1.0);
          double actual = after[i] - before[i];
          // float32 weights of magnitude ~1 carry ~1e-7 rounding; the rest is relative
          worst = Math.max(worst, Math.abs(actual - expected) / (1e-6 + 1e-3 * Math.abs(expected)));
          largest = Math.max(largest, Math.abs(expected));
        }
        System.out.printf("clip = %.2f × ‖g‖ (‖g‖ = %.4f): largest update %.2e, worst error %.2f of the "
            + "tolerance 1e-6 + 1e-3·|Δ|%n", clipOverNorm, norm, largest, worst);
        assertThat(worst).isLessThan(1.0);
      }
    }
  }

  /**
   * {@code shadow ← shadow - (1 - d_t)(shadow - w_t)}, {@code d_t = min(decay, (1 + t)/(10 + t))}, from the weights
   * right after ActNorm's initialisation. With decay 0.5 the warm-up rules for t < 8 and the decay after, and 12
   * updates see both. The host replays the formula in float64 on the weights read after each update; the averaged
   * weights evaluation sees must match to 1e-5. Without the warm-up (d = 0.5 from the start) the first update alone
   * would differ by about 0.3·|w_1 - w_0|.
   */
  @Test
  void emaFollowsItsDecayWithWarmUp() {
    double decay = 0.5;
    TrainingOptions options = TrainingOptions.builder().seed(9).learningRate(1e-2).emaDecay(decay)
        .accumulationSteps(2).build();
    try (Trainer trainer = Trainer.create(SPEC, options)) {
      trainer.step(batch(0), 64);
      double[] shadow = TrainerProbe.weights(trainer);
      List<Double> gaps = new ArrayList<>();
      long next = 1;
      for (int t = 1; t <= 12; t++) {
        while (!trainer.step(batch(next++), 64).applied()) {
          // accumulate until the update
        }
        assertThat(trainer.steps()).isEqualTo(t);
        double[] w = TrainerProbe.weights(trainer);
        double keep = Math.min(decay, (1.0 + t) / (10.0 + t));
        for (int i = 0; i < shadow.length; i++) {
          shadow[i] -= (1 - keep) * (shadow[i] - w[i]);
        }
        double[] averaged = TrainerProbe.averagedWeights(trainer);
        gaps.add(TrainerProbe.maxAbsDifference(averaged, shadow));
        assertThat(TrainerProbe.weights(trainer)).as("evaluation swaps the live weights back").containsExactly(w);
      }
      System.out.printf("EMA replay: max |shadow - replay| per update %s%n", gaps);
      assertThat(gaps).allSatisfy(gap -> assertThat(gap).isLessThan(1e-5));
    }
  }

  /**
   * A flow without data-dependent initialisation (a Residual Flow: no ActNorm) starts its average from the initial
   * weights too: after the first update the averaged weights are {@code d·w₀ + (1 - d)·w₁} with the warm-up's
   * {@code d = 2/11}. Before the fix the average of such a flow started from zeros, {@code (1 - d)·w₁}, off by
   * {@code d·|w₀|}.
   */
  @Test
  void theAverageOfAFlowWithoutDataInitialisationStartsFromTheInitialWeights() {
    FlowSpec spec = Presets.residualFlow(Shape.of(2)).blocks(2).width(8).build();
    TrainingOptions options = TrainingOptions.builder().seed(9).learningRate(1e-2).emaDecay(0.5).build();
    try (Trainer trainer = Trainer.create(spec, options)) {
      double[] initial = TrainerProbe.weights(trainer);
      assertThat(trainer.step(toyBatch(), 64).applied()).isTrue();
      double[] updated = TrainerProbe.weights(trainer);
      double keep = 2.0 / 11.0;
      double[] expected = new double[initial.length];
      double largestInitial = 0;
      for (int i = 0; i < expected.length; i++) {
        expected[i] = keep * initial[i] + (1 - keep) * updated[i];
        largestInitial = Math.max(largestInitial, Math.abs(initial[i]));
      }
      assertThat(largestInitial).as("a start from zeros would be told apart").isGreaterThan(0.1);
      assertThat(TrainerProbe.maxAbsDifference(TrainerProbe.averagedWeights(trainer), expected)).isLessThan(1e-5);
    }
  }

  private static float[] toyBatch() {
    return ToyDensity.EIGHT_GAUSSIANS.sampleFlat(64, new SplittableRandom(4));
  }

  private static double firstGradientNorm(TrainingOptions options) {
    try (Trainer trainer = Trainer.create(SPEC, options)) {
      trainer.step(batch(0), 64);
      return trainer.step(batch(0), 64).gradientNorm();
    }
  }
}
