package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order the power-cut promise rests on, for checkpoints and for SavedModel export: every file of the new folder,
 * and the folder itself, is flushed before the rename that publishes it, and the parent folder is flushed after that
 * rename (for a checkpoint, after {@code latest} is replaced too, itself flushed before its rename). A power cut
 * cannot be staged in a test, but without these steps in this order it could leave a published folder whose files
 * were never written to the disk.
 */
class DurableWritesOrderTest {
  private final List<String> events = new ArrayList<>();
  @TempDir Path dir;

  @AfterEach
  void forgetTheObserver() {
    DurableFiles.observer = new DurableFiles.Observer() {
      @Override
      public void synced(Path path) {}

      @Override
      public void moved(Path from, Path to) {}
    };
  }

  @Test
  void aCheckpointAndAnExportAreFlushedBeforeTheirRenameAndTheirParentAfterIt() throws IOException {
    DurableFiles.observer = new DurableFiles.Observer() {
      @Override
      public void synced(Path path) {
        events.add("sync " + path);
      }

      @Override
      public void moved(Path from, Path to) {
        events.add("move " + from + " -> " + to);
      }
    };
    Path checkpoints = dir.resolve("checkpoints");
    Path export = dir.resolve("export");
    Path checkpoint;
    try (Trainer trainer = Trainer.create(Presets.realNvp(Shape.of(2)).couplings(2).width(8).build(),
        TrainingOptions.defaults())) {
      trainer.step(ToyDensity.MOONS.sampleFlat(16, new SplittableRandom(1)), 16);
      checkpoint = trainer.saveCheckpoint(checkpoints);
      trainer.exportSavedModel(export);
    }

    int published = assertPublishedAfterEveryFileWasFlushed(checkpoint);
    int latestMove = indexOfMoveTo(checkpoints.resolve("latest"));
    String latestTemporary = events.get(latestMove).substring("move ".length()).split(" -> ")[0];
    assertThat(events.subList(published, latestMove)).as("latest's new content flushed before its rename")
        .contains("sync " + latestTemporary);
    assertThat(events.subList(latestMove, events.size())).as("the checkpoints folder flushed after both renames")
        .contains("sync " + checkpoints);

    int exported = assertPublishedAfterEveryFileWasFlushed(export);
    assertThat(events.subList(exported, events.size())).as("the export's parent flushed after its rename")
        .contains("sync " + dir);
  }

  /** Checks every file and folder under {@code target} was flushed (as the temporary) before the rename. */
  private int assertPublishedAfterEveryFileWasFlushed(Path target) throws IOException {
    int move = indexOfMoveTo(target);
    Path temporary = Path.of(events.get(move).substring("move ".length()).split(" -> ")[0]);
    List<Path> published;
    try (Stream<Path> walk = Files.walk(target)) {
      published = walk.toList();
    }
    assertThat(published).as("files published under " + target).hasSizeGreaterThan(2);
    List<String> before = events.subList(0, move);
    for (Path path : published) {
      assertThat(before).as(target.relativize(path) + " flushed before the rename")
          .contains("sync " + temporary.resolve(target.relativize(path)));
    }
    return move;
  }

  private int indexOfMoveTo(Path target) {
    for (int i = events.size() - 1; i >= 0; i--) {
      if (events.get(i).startsWith("move ") && events.get(i).endsWith(" -> " + target)) {
        return i;
      }
    }
    throw new AssertionError("no rename to " + target + " in " + events);
  }
}
