package org.flows4j.tf.export;

import java.util.SplittableRandom;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One seeding helper ({@link org.flows4j.tf.Seeds}): the same seed draws the same samples wherever it is used. */
class SamplingSeedTest {
  @Test
  void trainerAndExportedModelDrawTheSameSamplesForTheSameSeed(@TempDir Path dir) {
    FlowSpec spec = Presets.realNvp(Shape.of(2)).couplings(2).width(8).build();
    Path export = dir.resolve("model");
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(3).build())) {
      for (int i = 0; i < 3; i++) {
        trainer.step(ToyDensity.MOONS.sampleFlat(64, new SplittableRandom(10 + i)), 64);
      }
      trainer.exportSavedModel(export);
      float[] fromTrainer = trainer.sample(16, 0.8, 7);
      try (FlowModel model = FlowModel.load(export)) {
        float[] exported = model.sample(16, 0.8, 7);
        assertThat(exported).containsExactly(fromTrainer);
        // Not a coincidence of a degenerate flow: another seed draws other samples.
        assertThat(model.sample(16, 0.8, 8)).isNotEqualTo(fromTrainer);
      }
    }
  }
}
