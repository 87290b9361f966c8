package org.flows4j.tf.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An export killed at any moment leaves a loadable model: the earlier export or the new one, never a
 * {@code saved_model.pb} of 0 bytes. A child JVM exports in a loop and is killed (SIGKILL) at random moments.
 */
class AtomicExportTest {
  @TempDir Path dir;

  @Test
  void anExportKilledMidWayLeavesTheEarlierOrTheNewModelWhole() throws Exception {
    Path target = dir.resolve("saved_model");
    try (Trainer trainer = Trainer.create(Presets.realNvp(Shape.of(2)).couplings(4).width(16).build(), TrainingOptions.defaults())) {
      trainer.exportSavedModel(target);
    }
    float[] expected = logProb(target);
    Random random = new Random(12);

    for (int kill = 0; kill < 2; kill++) {
      Path log = dir.resolve("loop-" + kill + ".out");
      Process loop = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-cp", System.getProperty("java.class.path"), ExportLoop.class.getName(), target.toString())
          .redirectOutput(log.toFile())
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!(Files.readString(log).contains("exported 2")) && loop.isAlive() && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertThat(loop.isAlive()).as("exporting in a loop: " + Files.readString(log)).isTrue();
        // An export of this model takes tens of milliseconds: a random moment lands inside one most of the time.
        Thread.sleep(random.nextInt(60));
      } finally {
        loop.destroyForcibly();
        loop.waitFor(30, TimeUnit.SECONDS);
      }

      assertThat(Files.size(target.resolve("saved_model.pb"))).isPositive();
      assertThat(logProb(target)).as("the same weights, whichever export survived").containsExactly(expected);
    }
  }

  @Test
  void aNewExportCleansUpTheTemporaryFolderOfAKilledOne() throws IOException {
    Path target = dir.resolve("saved_model");
    Path leftover = Files.createDirectories(dir.resolve(".saved_model-new-123"));
    Files.writeString(leftover.resolve("saved_model.pb"), "");

    try (Trainer trainer = Trainer.create(Presets.realNvp(Shape.of(2)).couplings(4).width(16).build(), TrainingOptions.defaults())) {
      trainer.exportSavedModel(target);
    }

    assertThat(leftover).doesNotExist();
    assertThat(logProb(target)).hasSize(2);
  }

  private static float[] logProb(Path model) {
    try (FlowModel loaded = FlowModel.load(model)) {
      return loaded.logProb(new float[] {0.5f, -0.25f, 1f, 2f}, 2);
    }
  }
}
