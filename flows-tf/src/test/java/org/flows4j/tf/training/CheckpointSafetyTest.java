package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDataSource;
import org.flows4j.tf.data.ToyDensity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints are never lost or mixed: a new run refuses a folder holding another run's checkpoints (before it
 * trains), resume falls back past a damaged newest checkpoint, pruning leaves alone what is not this history's, an
 * edited {@code trainer.json} or a {@code latest} pointing elsewhere is refused, and leftovers of a kill are cleaned.
 */
class CheckpointSafetyTest {
  private static final FlowSpec SPEC = Presets.realNvp(Shape.of(2)).couplings(2).width(8).build();
  private static final ToyDataSource DATA = new ToyDataSource(ToyDensity.MOONS, 1);

  @TempDir Path dir;

  private static void run(Trainer trainer, long steps, int checkpointEvery, Path checkpoints) {
    TrainingRun.run(trainer, DATA, null, RunOptions.builder().steps(steps).batchSize(32).checkpointEvery(checkpointEvery)
        .checkpointDirectory(checkpoints).build(),
        new TrainingListener() {});
  }

  private static List<String> checkpointNames(Path root) throws IOException {
    try (Stream<Path> files = Files.list(root)) {
      return files.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("checkpoint-")).sorted()
          .toList();
    }
  }

  @Test
  void aNewRunIntoAFolderHoldingALongerRunIsRefusedBeforeItTrainsAndDeletesNothing() throws IOException {
    // The README's Java example rerun into the same "out/checkpoints": the old rule pruned by name, so every new
    // checkpoint was deleted as soon as it was written and `latest` named a deleted folder.
    try (Trainer earlier = Trainer.create(SPEC, TrainingOptions.defaults())) {
      run(earlier, 30, 10, dir);
    }
    List<String> before = checkpointNames(dir);

    try (Trainer again = Trainer.create(SPEC, TrainingOptions.defaults())) {
      assertThatThrownBy(() -> run(again, 20, 5, dir))
          .isInstanceOf(CheckpointException.class)
          .hasMessage(dir + " holds the checkpoints of another run (newest: step 30); saving this run's beside them "
              + "would mix the two. Resume that run with Trainer.resume, delete its checkpoints, or choose another "
              + "folder.");
      assertThat(again.steps()).as("refused before the first step").isZero();
    }
    assertThat(checkpointNames(dir)).isEqualTo(before).containsExactly("checkpoint-000000010",
        "checkpoint-000000020", "checkpoint-000000030");
    assertThat(Files.readString(dir.resolve("latest"))).isEqualTo("checkpoint-000000030");
  }

  @Test
  void aResumedTrainerKeepsCheckpointingIntoItsOwnFolder() throws IOException {
    try (Trainer first = Trainer.create(SPEC, TrainingOptions.defaults())) {
      run(first, 4, 2, dir);
    }
    try (Trainer resumed = Trainer.resume(dir)) {
      run(resumed, 6, 2, dir);
    }
    assertThat(checkpointNames(dir)).containsExactly("checkpoint-000000002", "checkpoint-000000004",
        "checkpoint-000000006");
  }

  @Test
  void aDamagedNewestCheckpointFallsBackToTheNewestIntactOneAndSaysWhy() throws IOException {
    try (Trainer first = Trainer.create(SPEC, TrainingOptions.defaults())) {
      run(first, 6, 2, dir);
    }
    Path newest = dir.resolve("checkpoint-000000006");
    try (Stream<Path> files = Files.list(newest)) {
      Path data = files.filter(p -> p.getFileName().toString().startsWith("variables.data")).findFirst()
          .orElseThrow();
      Files.write(data, new byte[] {1, 2, 3});
    }

    try (Trainer resumed = Trainer.resume(dir)) {
      assertThat(resumed.resumedFrom()).isEqualTo(dir.resolve("checkpoint-000000004"));
      assertThat(resumed.steps()).isEqualTo(4);
      assertThat(resumed.skippedCheckpoints()).singleElement().asString()
          .startsWith("checkpoint " + newest + " could not be restored (its variable files are damaged or belong to "
              + "another model): ");
      run(resumed, 6, 2, dir);
    }
    try (Trainer again = Trainer.resume(dir)) {
      assertThat(again.skippedCheckpoints()).as("step 6 was written again, whole").isEmpty();
      assertThat(again.steps()).isEqualTo(6);
    }
  }

  @Test
  void resumingFromAnOlderCheckpointPrunesOnlyThisHistoryAndReplacesTheLaterOnesAsItReachesThem()
      throws IOException {
    try (Trainer first = Trainer.create(SPEC, TrainingOptions.defaults())) {
      run(first, 8, 2, dir);
    }
    assertThat(checkpointNames(dir)).containsExactly("checkpoint-000000004", "checkpoint-000000006",
        "checkpoint-000000008");

    try (Trainer resumed = Trainer.resume(dir, 4)) {
      run(resumed, 7, 1, dir);
    }

    // Up to step 7 the three newest are this history's (5, 6 rewritten, 7); 8 is the abandoned one, kept.
    assertThat(checkpointNames(dir)).containsExactly("checkpoint-000000005", "checkpoint-000000006",
        "checkpoint-000000007", "checkpoint-000000008");
    assertThat(Files.readString(dir.resolve("latest"))).isEqualTo("checkpoint-000000007");
  }

  @Test
  void aTrainerJsonEditedToANegativeStepIsRefusedAndNothingIsDeleted() throws IOException {
    Path checkpoint;
    try (Trainer first = Trainer.create(SPEC, TrainingOptions.defaults())) {
      run(first, 2, 0, dir);
      checkpoint = dir.resolve("checkpoint-000000002");
    }
    Path state = checkpoint.resolve("trainer.json");
    Files.writeString(state, Files.readString(state).replaceAll("\"steps\" ?: ?2", "\"steps\" : -5"));

    assertThatThrownBy(() -> Trainer.resume(dir))
        .isInstanceOf(CheckpointException.class)
        .hasMessage("checkpoint file " + state + " is corrupt: \"steps\" must be at least 0, but was -5");
    Files.writeString(state, Files.readString(state).replace("\"steps\" : -5", "\"steps\" : 1"));
    assertThatThrownBy(() -> Trainer.resume(dir))
        .hasMessage("checkpoint file " + state + " is corrupt: it records step 1, but its folder is named after "
            + "step 2");
    assertThat(checkpointNames(dir)).containsExactly("checkpoint-000000002");
  }

  @Test
  void aLatestPointingOutsideTheFolderIsRefusedNotFollowed() throws IOException {
    try (Trainer first = Trainer.create(SPEC, TrainingOptions.defaults())) {
      run(first, 2, 0, dir);
    }
    Path elsewhere = Files.createDirectories(dir.resolveSibling(dir.getFileName() + "-other"));
    for (String pointer : List.of("../" + elsewhere.getFileName(), elsewhere.toAbsolutePath().toString())) {
      Files.writeString(dir.resolve("latest"), pointer);

      assertThatThrownBy(() -> Trainer.resume(dir))
          .isInstanceOf(CheckpointException.class)
          .hasMessage(dir.resolve("latest") + " must name a checkpoint folder beside it (checkpoint-<step>), but "
              + "names '" + pointer + "'. It is written by training; write the name of one of the checkpoint "
              + "folders into it.");
    }
  }

  @Test
  void temporaryFoldersLeftByAKillAreDeletedByTheNextSave() throws IOException {
    Path leftover = Files.createDirectories(dir.resolve(".checkpoint-000000002-4711"));
    Files.writeString(leftover.resolve("trainer.json"), "{");
    Path latestLeftover = Files.writeString(dir.resolve(".latest-99"), "checkpoint-000000001");

    try (Trainer trainer = Trainer.create(SPEC, TrainingOptions.defaults())) {
      run(trainer, 2, 0, dir);
    }

    assertThat(leftover).doesNotExist();
    assertThat(latestLeftover).doesNotExist();
    assertThat(checkpointNames(dir)).containsExactly("checkpoint-000000002");
  }
}
