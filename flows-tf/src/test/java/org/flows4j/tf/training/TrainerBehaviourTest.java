package org.flows4j.tf.training;

import java.util.SplittableRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDensity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerBehaviourTest {
  private static final FlowSpec SPEC = Presets.realNvp(Shape.of(2)).couplings(4).width(32).build();

  private static float[] batch(long index, int size) {
    return ToyDensity.EIGHT_GAUSSIANS.sampleFlat(size, new SplittableRandom(1000 + index));
  }

  private static List<Double> train(Trainer trainer, int steps) {
    List<Double> losses = new ArrayList<>();
    while (trainer.steps() < steps) {
      StepReport report = trainer.step(batch(trainer.batches(), 64), 64);
      if (report.applied()) {
        losses.add(report.loss());
      }
    }
    return losses;
  }

  @Test
  void resumedRunReproducesTheUninterruptedLossCurve(@TempDir Path dir) {
    TrainingOptions options = TrainingOptions.builder().learningRate(3e-3).emaDecay(0.99).seed(4).build();
    List<Double> uninterrupted;
    try (Trainer trainer = Trainer.create(SPEC, options)) {
      uninterrupted = train(trainer, 20);
    }
    List<Double> resumed;
    try (Trainer trainer = Trainer.create(SPEC, options)) {
      resumed = new ArrayList<>(train(trainer, 10));
      trainer.saveCheckpoint(dir);
    }
    try (Trainer trainer = Trainer.resume(dir)) {
      assertThat(trainer.steps()).isEqualTo(10);
      resumed.addAll(train(trainer, 20));
    }
    assertThat(resumed).hasSize(20);
    for (int i = 0; i < 20; i++) {
      assertThat(resumed.get(i)).as("loss at step %s", i + 1).isCloseTo(uninterrupted.get(i), within(1e-6));
    }
  }

  @Test
  void nonFiniteBatchIsSkippedNamingTheFirstLayerAndRepeatedOnesStopTraining() {
    TrainingOptions options = TrainingOptions.builder().maxConsecutiveBadSteps(3).seed(2).build();
    try (Trainer trainer = Trainer.create(SPEC, options)) {
      train(trainer, 2);
      double before = trainer.evaluate(batch(99, 256), 256).negativeLogLikelihood();
      // Finite input whose squares overflow float32: the loss and every gradient become non-finite.
      float[] poisoned = batch(7, 64);
      poisoned[0] = 3e38f;
      StepReport report = trainer.step(poisoned, 64);
      assertThat(report.skipped()).isTrue();
      assertThat(report.skippedBecause()).isEqualTo("steps[0] (actNorm)");
      assertThat(report.applied()).isFalse();
      assertThat(trainer.steps()).isEqualTo(2);
      assertThat(trainer.evaluate(batch(99, 256), 256).negativeLogLikelihood()).isEqualTo(before);

      trainer.step(poisoned, 64);
      assertThatThrownBy(() -> trainer.step(poisoned, 64))
          .isInstanceOf(TrainingDivergedException.class)
          .hasMessage("training stopped: 3 consecutive steps had a non-finite loss or gradient (last at step 2, "
              + "first non-finite: steps[0] (actNorm)). Updates were skipped, so the weights are those of the last "
              + "good step. Known fixes: lower the learning rate, use more warm-up steps, clip the gradient norm, "
              + "or check the data for extreme values.");
    }
  }

  /**
   * RealNVP on 2-D data draws no noise, so two accumulated half batches must give exactly the update of the full
   * batch: the same averaged gradient (its global norm is reported), loss and weights, to 1e-6 (float32 sums in a
   * different order). Both runs initialise ActNorm on the first half and take their first update from it alone (the
   * accumulating run feeds it twice), so they differ only in how the second update's gradient is formed. Summing
   * instead of averaging would double the reported norm; dropping a half would change the weights.
   */
  @Test
  void accumulatingTwoHalfBatchesEqualsOneFullBatch() {
    float[] full = batch(0, 128);
    float[] first = java.util.Arrays.copyOfRange(full, 0, 128);
    float[] second = java.util.Arrays.copyOfRange(full, 128, 256);
    float[] test = batch(50, 512);
    try (Trainer whole = Trainer.create(SPEC, TrainingOptions.builder().seed(3).build());
        Trainer halves = Trainer.create(SPEC, TrainingOptions.builder().seed(3).accumulationSteps(2).build())) {
      StepReport wholeFirst = whole.step(first, 64);
      assertThat(halves.step(first, 64).applied()).isFalse();
      StepReport halvesFirst = halves.step(first, 64);
      assertThat(halvesFirst.applied()).isTrue();
      assertThat(halvesFirst.gradientNorm()).isCloseTo(wholeFirst.gradientNorm(), within(1e-6));

      StepReport wholeSecond = whole.step(full, 128);
      assertThat(halves.step(first, 64).applied()).isFalse();
      StepReport halvesSecond = halves.step(second, 64);
      assertThat(halvesSecond.applied()).isTrue();
      assertThat(halves.steps()).isEqualTo(whole.steps()).isEqualTo(2);

      double normGap = Math.abs(halvesSecond.gradientNorm() - wholeSecond.gradientNorm());
      double weightGap = TrainerProbe.maxAbsDifference(TrainerProbe.weights(halves), TrainerProbe.weights(whole));
      double nllGap = Math.abs(halves.evaluate(test, 512).negativeLogLikelihood()
          - whole.evaluate(test, 512).negativeLogLikelihood());
      System.out.printf("accumulation vs full batch: |Δ gradient norm| %.2e (norm %.4f), max |Δ weight| %.2e, "
          + "|Δ NLL| %.2e%n", normGap, wholeSecond.gradientNorm(), weightGap, nllGap);
      assertThat(halvesSecond.loss()).isCloseTo(wholeSecond.loss(), within(1e-6));
      assertThat(normGap).isLessThan(1e-6);
      assertThat(weightGap).isLessThan(1e-6);
      assertThat(nllGap).isLessThan(1e-6);
    }
  }

  @Test
  void warmUpThenCosineScheduleIsWhatTheUpdateUses() {
    TrainingOptions options = TrainingOptions.builder().learningRate(0.01).warmupSteps(4)
        .schedule(LearningRateSchedule.COSINE).totalSteps(12).seed(1).build();
    try (Trainer trainer = Trainer.create(SPEC, options)) {
      List<Double> rates = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        rates.add(trainer.step(batch(i, 64), 64).learningRate());
      }
      for (int t = 0; t < 12; t++) {
        double warm = Math.min(1.0, (t + 1) / 4.0);
        double progress = Math.min(1.0, Math.max(0.0, (t - 4) / 8.0));
        double expected = 0.01 * warm * 0.5 * (1 + Math.cos(Math.PI * progress));
        assertThat(rates.get(t)).as("rate at step %s", t).isCloseTo(expected, within(1e-7));
      }
    }
  }

  @Test
  void gradientClippingChangesTheTrajectoryAndAdamaxTrains() {
    List<Double> plain;
    List<Double> clipped;
    try (Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(5).build())) {
      plain = train(trainer, 5);
    }
    try (Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(5).clipNorm(1e-3).build())) {
      clipped = train(trainer, 5);
    }
    assertThat(clipped.get(0)).isEqualTo(plain.get(0));
    assertThat(clipped.get(4)).isNotEqualTo(plain.get(4));
    // Adamax (Glow's and Flow++'s optimizer) at its usual larger rate: measured 4.36 -> 3.51 nats in 150 steps.
    float[] test = batch(123, 2000);
    try (Trainer trainer = Trainer.create(SPEC,
        TrainingOptions.builder().optimizer(Optimizer.ADAMAX).learningRate(1e-2).seed(5).build())) {
      trainer.step(batch(0, 64), 64);
      double before = trainer.evaluate(test, 2000).negativeLogLikelihood();
      train(trainer, 150);
      assertThat(trainer.evaluate(test, 2000).negativeLogLikelihood()).isLessThan(before - 0.4);
    }
  }

  @Test
  void weightAverageIsUsedForEvaluationWithoutDisturbingTraining() {
    TrainingOptions plain = TrainingOptions.builder().learningRate(3e-3).seed(6).build();
    TrainingOptions averaged = plain.toBuilder().emaDecay(0.9).build();
    float[] test = batch(77, 512);
    try (Trainer a = Trainer.create(SPEC, plain); Trainer b = Trainer.create(SPEC, averaged)) {
      List<Double> lossesA = train(a, 10);
      b.evaluate(test, 512); // before any update the EMA equals the weights
      List<Double> lossesB = new ArrayList<>();
      while (b.steps() < 10) {
        lossesB.addAll(train(b, (int) b.steps() + 1));
        b.evaluate(test, 512); // swapping the average in and out must leave training untouched
      }
      assertThat(lossesB).containsExactlyElementsOf(lossesA);
      assertThat(b.evaluate(test, 512).averagedWeights()).isTrue();
      assertThat(b.evaluate(test, 512).negativeLogLikelihood())
          .isNotEqualTo(a.evaluate(test, 512).negativeLogLikelihood());
    }
  }

  @Test
  void aCheckpointFromBeforeEvaluationBatchExistedResumesWithTheOldPassSize(@TempDir Path dir) throws Exception {
    Path checkpoint;
    try (Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().evaluationBatch(64).build())) {
      train(trainer, 1);
      checkpoint = trainer.saveCheckpoint(dir);
    }
    Path state = checkpoint.resolve("trainer.json");
    String json = Files.readString(state);
    assertThat(json).contains("\"evaluationBatch\" : 64");
    Files.writeString(state, json.replaceAll(",\\s*\"evaluationBatch\" : 64", ""));
    try (Trainer resumed = Trainer.resume(dir)) {
      assertThat(resumed.options().evaluationBatch()).isEqualTo(512);
      assertThat(resumed.steps()).isEqualTo(1);
    }
  }

  @Test
  void missingOrDamagedCheckpointsGiveActionableErrors(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> Trainer.resume(dir))
        .isInstanceOf(CheckpointException.class)
        .hasMessage("no checkpoint to resume from in " + dir + " (no 'latest' file). Train without --resume "
            + "first, or point at the output folder of an earlier run.");
    Path checkpoint;
    try (Trainer trainer = Trainer.create(SPEC, TrainingOptions.defaults())) {
      train(trainer, 1);
      checkpoint = trainer.saveCheckpoint(dir);
    }
    Path data;
    try (var files = Files.list(checkpoint)) {
      data = files.filter(p -> p.getFileName().toString().startsWith("variables.data")).findFirst().orElseThrow();
    }
    Files.write(data, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> Trainer.resume(dir))
        .isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith("checkpoint " + checkpoint + " could not be restored (its variable files are "
            + "damaged or belong to another model): ");
    Files.writeString(checkpoint.resolve("trainer.json"), "{ not json");
    assertThatThrownBy(() -> Trainer.resume(dir))
        .isInstanceOf(CheckpointException.class)
        .hasMessageStartingWith("checkpoint file " + checkpoint.resolve("trainer.json") + " is corrupt: ");
    Files.delete(checkpoint.resolve("trainer.json"));
    assertThatThrownBy(() -> Trainer.resume(dir))
        .hasMessage("checkpoint " + checkpoint + " is incomplete: trainer.json is missing. Delete it and its "
            + "'latest' entry, or resume from an older checkpoint.");
  }

  @Test
  void aFirstBatchOfOneVectorCannotInitialiseActNormAndIsRefusedNamingTheLayer() {
    try (Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(3).build())) {
      assertThatThrownBy(() -> trainer.step(batch(0, 1), 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("steps[0] (actNorm): ActNorm initialises each feature's scale from the spread of the first "
              + "batch, which on vectors is over its examples alone, so it needs at least 2 examples, but the first "
              + "batch has 1 (the scale would be infinite and training diverge). Train the first step on a batch "
              + "of 2 or more.");
      assertThat(trainer.batches()).as("the refused batch was not consumed").isZero();

      // Once initialised from a proper batch, single examples are fine: the scale is already set.
      assertThat(trainer.step(batch(0, 2), 2).applied()).isTrue();
      StepReport single = trainer.step(batch(1, 1), 1);
      assertThat(single.applied()).isTrue();
      assertThat(single.loss()).isFinite();
    }
  }
}
