package org.flows4j.tf.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Session;

/**
 * Checkpoints in a directory: {@code checkpoint-<step>/} each holding {@code variables.*} (TensorFlow's format, via
 * {@code Session.save}) and {@code trainer.json}, plus a {@code latest} file naming the newest.
 *
 * <p>Writing is atomic: a checkpoint is written into a hidden temporary directory, which is renamed into place
 * only when complete, and {@code latest} is replaced by a rename too. A crash at any moment leaves the previous
 * checkpoint intact and {@code latest} pointing at a complete one. The newest {@value #KEEP} are kept.
 */
public final class Checkpoints {
  static final int KEEP = 3;
  private static final String LATEST = "latest";
  private static final String STATE = "trainer.json";
  private static final String VARIABLES = "variables";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Checkpoints() {}

  /** Saves the session's variables and {@code state} as a new checkpoint; returns its directory. */
  static Path save(Path root, Session session, TrainerState state) {
    try {
      Files.createDirectories(root);
      String name = String.format("checkpoint-%09d", state.steps());
      Path temporary = Files.createTempDirectory(root, "." + name + "-");
      session.save(temporary.resolve(VARIABLES).toString());
      Files.writeString(temporary.resolve(STATE), JSON.writeValueAsString(state), StandardCharsets.UTF_8);
      Path target = root.resolve(name);
      if (Files.exists(target)) {
        deleteRecursively(target);
      }
      Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
      Path latestTemporary = Files.createTempFile(root, "." + LATEST + "-", "");
      Files.writeString(latestTemporary, name, StandardCharsets.UTF_8);
      Files.move(latestTemporary, root.resolve(LATEST), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      pruneOld(root);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write a checkpoint under " + root + ": " + e.getMessage(), e);
    }
  }

  /** True when {@code root} holds a checkpoint to resume from. */
  public static boolean exists(Path root) {
    return Files.isRegularFile(root.resolve(LATEST));
  }

  /** The newest checkpoint's directory; a clear error when there is none or it is incomplete. */
  public static Path latest(Path root) {
    Path pointer = root.resolve(LATEST);
    String name;
    try {
      name = Files.readString(pointer, StandardCharsets.UTF_8).trim();
    } catch (NoSuchFileException e) {
      throw new CheckpointException("no checkpoint to resume from in " + root + " (no '" + LATEST
          + "' file). Train without --resume first, or point at the output folder of an earlier run.");
    } catch (IOException e) {
      throw new CheckpointException("cannot read " + pointer + ": " + e.getMessage());
    }
    Path checkpoint = root.resolve(name);
    for (String required : List.of(STATE, VARIABLES + ".index")) {
      if (!Files.isRegularFile(checkpoint.resolve(required))) {
        throw new CheckpointException("checkpoint " + checkpoint + " is incomplete: " + required
            + " is missing. Delete it and its '" + LATEST + "' entry, or resume from an older checkpoint.");
      }
    }
    return checkpoint;
  }

  /** Reads a checkpoint's trainer state. */
  static TrainerState readState(Path checkpoint) {
    Path file = checkpoint.resolve(STATE);
    try {
      JsonNode tree = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      if (tree != null && tree.get("options") instanceof ObjectNode options && !options.has("evaluationBatch")) {
        // Written before evaluationBatch existed, when evaluation always ran in passes of 512 rows.
        options.put("evaluationBatch", 512);
      }
      return JSON.treeToValue(tree, TrainerState.class);
    } catch (IOException e) {
      throw new CheckpointException("checkpoint file " + file + " is corrupt: " + firstLine(e.getMessage()));
    }
  }

  /** Restores the session's variables; a clear error when the files are damaged. */
  static void restore(Path checkpoint, Session session) {
    try {
      session.restore(checkpoint.resolve(VARIABLES).toString());
    } catch (RuntimeException e) {
      throw new CheckpointException("checkpoint " + checkpoint + " could not be restored (its variable files "
          + "are damaged or belong to another model): " + firstLine(e.getMessage()), e);
    }
  }

  private static void pruneOld(Path root) throws IOException {
    List<Path> checkpoints = new ArrayList<>();
    try (Stream<Path> children = Files.list(root)) {
      children.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).forEach(checkpoints::add);
    }
    checkpoints.sort(Comparator.comparing(p -> p.getFileName().toString()));
    for (int i = 0; i < checkpoints.size() - KEEP; i++) {
      deleteRecursively(checkpoints.get(i));
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static String firstLine(@Nullable String message) {
    if (message == null) {
      return "(no detail)";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
