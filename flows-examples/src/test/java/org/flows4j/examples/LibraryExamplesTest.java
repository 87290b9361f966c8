package org.flows4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The programs of the README's "Using flows4j as a library": they run (few steps, so seconds), training lowers the
 * held-out loss, the reloaded model scores what the trainer scored, and the README shows each file verbatim.
 */
class LibraryExamplesTest {
  private static final Path README = Path.of("..", "README.md");
  private static final Path JAVA_EXAMPLE = Path.of("src/main/java/org/flows4j/examples/LibraryExample.java");
  private static final Path KOTLIN_EXAMPLE = Path.of("src/main/kotlin/org/flows4j/examples/KotlinLibraryExample.kt");
  private static final Path KOTLIN_HELPERS = Path.of("src/main/kotlin/org/flows4j/examples/KotlinTraining.kt");

  @TempDir Path dir;

  @Test
  void javaProgramLowersTheHeldOutNllAndTheReloadedModelScoresWhatTheTrainerScored() {
    LibraryExample.Outcome outcome = LibraryExample.run(60, dir);
    System.out.printf("Java library example, 60 steps: held-out NLL %.4f -> %.4f nats, reloaded %.4f%n",
        outcome.nllBefore(), outcome.nllAfter(), outcome.nllReloaded());
    assertThat(outcome.nllAfter()).isLessThan(outcome.nllBefore() - 0.2);
    // No EMA and continuous data: the export holds the trained weights and log_prob is deterministic.
    assertThat(outcome.nllReloaded()).isCloseTo(outcome.nllAfter(), within(1e-4));
  }

  @Test
  void kotlinProgramLowersTheHeldOutBitsPerDimAndTheReloadedModelScoresWhatTheTrainerScored() {
    KotlinLibraryExample.Outcome outcome = KotlinLibraryExample.run(40, dir);
    System.out.printf("Kotlin library example, 40 steps: held-out %.4f -> %.4f bits/dim, reloaded %.4f%n",
        outcome.getBitsBefore(), outcome.getBitsAfter(), outcome.getBitsReloaded());
    assertThat(outcome.getBitsAfter()).isLessThan(outcome.getBitsBefore() - 0.2);
    // The exported log_prob draws the dequantization noise evaluate() uses for its first chunk, and 256 images
    // are one chunk: the same figure up to float32 sums.
    assertThat(outcome.getBitsReloaded()).isCloseTo(outcome.getBitsAfter(), within(1e-3));
  }

  @Test
  void theReadmeShowsEachExampleFileVerbatim() throws IOException {
    String readme = Files.readString(README, StandardCharsets.UTF_8);
    assertThat(readme).contains("```java\n" + Files.readString(JAVA_EXAMPLE, StandardCharsets.UTF_8) + "```\n");
    assertThat(readme).contains("```kotlin\n" + Files.readString(KOTLIN_EXAMPLE, StandardCharsets.UTF_8) + "```\n");
    assertThat(readme).contains("```kotlin\n" + Files.readString(KOTLIN_HELPERS, StandardCharsets.UTF_8) + "```\n");
  }
}
