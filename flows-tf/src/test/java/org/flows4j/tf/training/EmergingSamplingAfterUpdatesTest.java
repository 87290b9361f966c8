package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.FlowChecks;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sampling an emerging flow reuses each convolution's solver operator between calls, so it must never sample with
 * the operator of older weights. The scenario: sample, train one step, sample again with the same seed; the second
 * draw must be exactly what a fresh trainer resumed at those weights draws (its session has never computed an
 * operator), with and without EMA (whose swap in and out around each call changes the weights twice). And the
 * two draws of the first trainer must differ, so the step moved the weights enough for a stale operator to show.
 */
class EmergingSamplingAfterUpdatesTest {
  @TempDir Path root;

  @ParameterizedTest(name = "EMA decay {0}")
  @ValueSource(doubles = {0.0, 0.5})
  void aSampleAfterATrainingStepIsTheSampleOfAFreshModelAtTheNewWeights(double emaDecay) {
    FlowSpec spec = Presets.emerging(Shape.of(8, 8, 1)).levels(2).stepsPerLevel(1).width(8).build();
    TrainingOptions options = TrainingOptions.builder().learningRate(0.01).emaDecay(emaDecay).seed(3).build();
    float[] batch = new float[16 * 64];
    Random random = new Random(5);
    for (int i = 0; i < batch.length; i++) {
      batch[i] = random.nextInt(256);
    }
    float[] before;
    float[] after;
    try (Trainer trainer = Trainer.create(spec, options)) {
      trainer.step(batch, 16); // with EMA the first sample already swaps averaged weights in
      before = trainer.sample(4, 1.0, 11);
      trainer.step(batch, 16);
      after = trainer.sample(4, 1.0, 11);
      trainer.saveCheckpoint(root);
    }
    float[] fresh;
    try (Trainer resumed = Trainer.resume(root)) {
      fresh = resumed.sample(4, 1.0, 11);
    }
    double moved = maxAbsDiff(before, after);
    double error = maxAbsDiff(after, fresh);
    System.out.printf("emerging sampling, EMA decay %.1f: the step moved the samples by %.3g; after it, the cached "
        + "and the fresh model differ by %.3g%n", emaDecay, moved, error);
    assertThat(moved).isGreaterThan(1e-2);
    assertThat(error).isLessThan(1e-4);
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double[] x = new double[a.length];
    double[] y = new double[b.length];
    for (int i = 0; i < a.length; i++) {
      x[i] = a[i];
      y[i] = b[i];
    }
    return FlowChecks.maxAbsDiff(x, y);
  }
}
