package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDensity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each evaluation draws its noise afresh, seeded from the step: the same weights evaluated at the same step give
 * the same figure, at another step a different one. To hold the weights fixed while the step changes, a checkpoint
 * is resumed twice, once with its step count rewritten. Frozen noise (one seed for every evaluation) gives the
 * same figure both times and fails.
 */
class EvaluationNoiseTest {

  /** Uniform dequantization: the noise is {@code u ~ U[0,1)} added to the pixels. */
  @Test
  void dequantizationNoiseIsDrawnAfreshAtEachStep(@TempDir Path dir) throws Exception {
    Shape shape = Shape.of(4, 4, 1);
    FlowSpec spec = Presets.glow(shape).levels(1).stepsPerLevel(2).width(8).build();
    float[] pixels = new float[32 * shape.size()];
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt(256);
    }
    assertFreshPerStep(spec, pixels, 32, dir);
  }

  /**
   * A residual flow's evaluation estimator (Russian roulette with 20 exact terms and a Hutchinson probe per example)
   * is stochastic on data without any dequantization: its probes and roulette draw follow the step too.
   */
  @Test
  void hutchinsonProbesAndRouletteDrawsAreFreshAtEachStep(@TempDir Path dir) throws Exception {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(2, step -> step.actNorm().residualBlock(b -> b.lipschitzMlp(16, 16)))
        .build();
    assertFreshPerStep(spec, ToyDensity.MOONS.sampleFlat(64, new SplittableRandom(5)), 64, dir);
  }

  private static void assertFreshPerStep(FlowSpec spec, float[] data, int n, Path dir) throws Exception {
    Path checkpoint;
    double atStepOne;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(2).build())) {
      trainer.step(data, n);
      checkpoint = trainer.saveCheckpoint(dir);
      atStepOne = trainer.evaluate(data, n).negativeLogLikelihood();
    }
    try (Trainer again = Trainer.resume(dir)) {
      assertThat(again.evaluate(data, n).negativeLogLikelihood()).as("same weights, same step").isEqualTo(atStepOne);
    }
    // The same weights recorded as step 2: a copy of the checkpoint named and counted as the next step, which
    // `latest` then names (checkpoints are validated: the step must match the folder and not exceed the batches).
    Path next = checkpoint.resolveSibling("checkpoint-000000002");
    try (var files = Files.walk(checkpoint)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Files.copy(source, next.resolve(checkpoint.relativize(source).toString()));
      }
    }
    Path state = next.resolve("trainer.json");
    String json = Files.readString(state);
    assertThat(json).containsPattern("\"steps\" : 1\\b").containsPattern("\"batches\" : 1\\b");
    Files.writeString(state, json.replaceFirst("\"steps\" : 1\\b", "\"steps\" : 2")
        .replaceFirst("\"batches\" : 1\\b", "\"batches\" : 2"));
    Files.writeString(dir.resolve("latest"), next.getFileName().toString());
    try (Trainer later = Trainer.resume(dir)) {
      assertThat(later.steps()).isEqualTo(2);
      double atStepTwo = later.evaluate(data, n).negativeLogLikelihood();
      System.out.printf("%s: NLL %.6f at step 1, %.6f with the same weights at step 2%n",
          spec.levels().get(0).steps().get(spec.levels().get(0).steps().size() - 1).kind(), atStepOne, atStepTwo);
      assertThat(atStepTwo).as("same weights, next step: fresh noise").isNotEqualTo(atStepOne);
      assertThat(later.evaluate(data, n).negativeLogLikelihood()).as("reproducible at a step").isEqualTo(atStepTwo);
    }
  }
}
