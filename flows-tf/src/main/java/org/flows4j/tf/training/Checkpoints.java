package org.flows4j.tf.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flows4j.tf.DurableFiles;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Session;

/**
 * Checkpoints in a directory: {@code checkpoint-<step>/} each holding {@code variables.*} (TensorFlow's format, via
 * {@code Session.save}) and {@code trainer.json}, plus a {@code latest} file naming the newest.
 *
 * <p>Writing is atomic and durable: a checkpoint is written into a hidden temporary directory, its files and the
 * directory are flushed to the disk ({@code fsync}), and only then is it renamed into place and the parent
 * flushed; {@code latest} is replaced the same way. A crash or a power cut at any moment leaves the previous
 * checkpoint intact and {@code latest} pointing at a complete one. Temporary directories left by a killed
 * process are deleted by the next save. Pruning keeps the newest {@value #KEEP} checkpoints up to the step being
 * saved: later ones (left by a run that was resumed from an earlier checkpoint) are not this run's history and are
 * replaced when the run reaches their step.
 */
public final class Checkpoints {
  static final int KEEP = 3;
  private static final String LATEST = "latest";
  private static final String STATE = "trainer.json";
  private static final String VARIABLES = "variables";
  private static final String PREFIX = "checkpoint-";
  private static final Pattern NAME = Pattern.compile("checkpoint-(\\d{9,19})");
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Checkpoints() {}

  /** Saves the session's variables and {@code state} as a new checkpoint; returns its directory. */
  static Path save(Path root, Session session, TrainerState state) {
    try {
      Files.createDirectories(root);
      deleteLeftovers(root);
      String name = name(state.steps());
      Path temporary = Files.createTempDirectory(root, "." + name + "-");
      session.save(temporary.resolve(VARIABLES).toString());
      Files.writeString(temporary.resolve(STATE), JSON.writeValueAsString(state), StandardCharsets.UTF_8);
      DurableFiles.syncTree(temporary);
      Path target = root.resolve(name);
      if (Files.exists(target)) {
        DurableFiles.deleteRecursively(target);
      }
      DurableFiles.moveAtomically(temporary, target, false);
      Path latestTemporary = Files.createTempFile(root, "." + LATEST + "-", "");
      Files.writeString(latestTemporary, name, StandardCharsets.UTF_8);
      DurableFiles.sync(latestTemporary);
      DurableFiles.moveAtomically(latestTemporary, root.resolve(LATEST), true);
      DurableFiles.sync(root);
      pruneOld(root, state.steps());
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("could not write a checkpoint under " + root + ": " + e.getMessage(), e);
    }
  }

  /** True when {@code root} holds a checkpoint to resume from. */
  public static boolean exists(Path root) {
    return Files.isRegularFile(root.resolve(LATEST));
  }

  /** The steps of the checkpoints in {@code root}, newest first (empty when there is no such folder). */
  public static List<Long> steps(Path root) {
    List<Long> steps = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return steps;
    }
    try (Stream<Path> children = Files.list(root)) {
      children.forEach(child -> step(child.getFileName().toString()).ifPresent(steps::add));
    } catch (IOException e) {
      throw new CheckpointException("cannot list the checkpoints in " + root + ": " + e.getMessage(), e);
    }
    steps.sort(Comparator.reverseOrder());
    return steps;
  }

  /**
   * The newest checkpoint's directory, as {@code latest} names it; a clear error when there is none, when it is
   * incomplete, or when {@code latest} names anything but a checkpoint folder of {@code root} (it is never
   * followed outside).
   */
  public static Path latest(Path root) {
    return checkComplete(pointer(root));
  }

  /** The folder {@code latest} names, checked to be a checkpoint folder of {@code root}, not to be complete. */
  private static Path pointer(Path root) {
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
    if (step(name).isEmpty()) {
      throw new CheckpointException(pointer + " must name a checkpoint folder beside it (checkpoint-<step>), but "
          + "names '" + (name.length() > 80 ? name.substring(0, 80) + "…" : name) + "'. It is written by "
          + "training; write the name of one of the checkpoint folders into it.");
    }
    return root.resolve(name);
  }

  /** The checkpoint of {@code step} in {@code root}; a clear error listing the ones there are when it is absent. */
  public static Path at(Path root, long step) {
    Path checkpoint = root.resolve(name(step));
    if (!Files.isDirectory(checkpoint)) {
      throw new CheckpointException("there is no checkpoint of step " + step + " in " + root + "; there are "
          + (steps(root).isEmpty() ? "none" : "checkpoints of steps " + steps(root)) + ".");
    }
    return checkComplete(checkpoint);
  }

  static Path checkComplete(Path checkpoint) {
    for (String required : List.of(STATE, VARIABLES + ".index")) {
      if (!Files.isRegularFile(checkpoint.resolve(required))) {
        throw new CheckpointException("checkpoint " + checkpoint + " is incomplete: " + required
            + " is missing. Delete it and its '" + LATEST + "' entry, or resume from an older checkpoint.");
      }
    }
    return checkpoint;
  }

  /**
   * Reads a checkpoint's trainer state, checking every field (a hand-edited {@code trainer.json} that still parses
   * is refused, not trusted) and that its step is the one the folder is named after.
   */
  static TrainerState readState(Path checkpoint) {
    Path file = checkpoint.resolve(STATE);
    TrainerState state;
    try {
      JsonNode tree = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      if (tree != null && tree.get("options") instanceof ObjectNode options && !options.has("evaluationBatch")) {
        // Written before evaluationBatch existed, when evaluation always ran in passes of 512 rows.
        options.put("evaluationBatch", 512);
      }
      state = JSON.treeToValue(tree, TrainerState.class);
    } catch (ValueInstantiationException e) {
      // A record's own check (TrainerState, TrainingOptions): its message, not Jackson's wrapper.
      throw new CheckpointException("checkpoint file " + file + " is corrupt: "
          + firstLine(e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage()), e);
    } catch (JsonProcessingException e) {
      throw new CheckpointException("checkpoint file " + file + " is corrupt: " + firstLine(e.getOriginalMessage()),
          e);
    } catch (IOException e) {
      throw new CheckpointException("checkpoint file " + file + " is corrupt: " + firstLine(e.getMessage()), e);
    }
    if (state == null) {
      throw new CheckpointException("checkpoint file " + file + " is corrupt: it holds no trainer state");
    }
    OptionalLong named = step(checkpoint.getFileName().toString());
    if (named.isPresent() && named.getAsLong() != state.steps()) {
      throw new CheckpointException("checkpoint file " + file + " is corrupt: it records step " + state.steps()
          + ", but its folder is named after step " + named.getAsLong());
    }
    return state;
  }

  /**
   * Restores the session's variables; a clear error when the files are damaged, and a specific one for checkpoints
   * of an emerging convolution or a Flow++ conditioner written before it took the paper's (the official code's)
   * construction.
   */
  static void restore(Path checkpoint, Session session) {
    try {
      session.restore(checkpoint.resolve(VARIABLES).toString());
    } catch (RuntimeException e) {
      String missing = missingKey(e.getMessage());
      if (missing != null && missing.contains("_" + EMERGING_KIND + ".")) {
        throw new CheckpointException(oldEmergingMessage(checkpoint, missing), e);
      }
      if (missing != null && isFlowPlusPlusConditionerKey(missing)) {
        throw new CheckpointException(oldFlowPlusPlusMessage(checkpoint, missing), e);
      }
      if (missing != null && FLAT_TRAINER_STATE.contains(missing)) {
        throw new CheckpointException(oldTrainerStateMessage(checkpoint, missing), e);
      }
      String oldVector = wholeConvolutionVector(e.getMessage());
      if (oldVector != null) {
        throw new CheckpointException(oldPointwiseVectorsMessage(checkpoint, oldVector), e);
      }
      throw new CheckpointException("checkpoint " + checkpoint + " could not be restored (its variable files "
          + "are damaged or belong to another model): " + firstLine(e.getMessage()), e);
    }
  }

  private static final String EMERGING_KIND = "emergingConv";

  /** The trainer's flat state variables (see {@code FlatLayout}), none of which older checkpoints hold. */
  private static final java.util.Set<String> FLAT_TRAINER_STATE = java.util.Set.of(
      "accumulated_gradient", "ema_shadow", "ema_backup", "optimizer/slot_m", "optimizer/slot_v");

  /**
   * Why a checkpoint misses the trainer's flat state: before issue 9's start-up work the trainer kept its gradient
   * accumulators, Adam slots and weight average per weight ({@code accumulated_gradient_0}, {@code slot_0_m},
   * {@code ema_0_shadow}, …); it now keeps one vector of each for the whole model.
   */
  static String oldTrainerStateMessage(Path checkpoint, String missingKey) {
    return "checkpoint " + checkpoint + " cannot be resumed: it was written before the trainer kept its optimizer "
        + "slots, gradient accumulator and weight average as one vector each (it holds them per weight, e.g. "
        + "slot_0_m, ema_0_shadow), so it has no " + missingKey + ". Train the flow again, or resume and export it "
        + "with the flows4j version that wrote it (its spec still loads; a SavedModel exported from the old run "
        + "still works).";
  }
  private static final Pattern MISSING_KEY = Pattern.compile("Key (\\S+) not found in checkpoint");

  /** The variable TensorFlow names as absent from the checkpoint, or null if that is not the failure. */
  static @Nullable String missingKey(@Nullable String message) {
    if (message == null) {
      return null;
    }
    Matcher matcher = MISSING_KEY.matcher(message);
    return matcher.find() ? matcher.group(1) : null;
  }

  /**
   * Why a checkpoint misses an emerging convolution's variables: the layer's variables changed (issue 11) from
   * {@code kernel_causal}, {@code log_scale_causal}, {@code kernel_anticausal}, {@code log_scale_anticausal} (two
   * half-plane k×k kernels) to {@code kernel_1}, {@code kernel_2}, {@code bias} (the paper's square masks with
   * learned diagonals). The weights of one cannot be mapped onto the other, since the supports differ.
   */
  static String oldEmergingMessage(Path checkpoint, String missingKey) {
    return "checkpoint " + checkpoint + " cannot be resumed: it was written before emergingConv took the paper's "
        + "construction (two square ((k+1)/2)x((k+1)/2) masked kernels with learned diagonals and a bias; the "
        + "earlier layer had two half-plane kxk kernels with separate log-scales), so it has no " + missingKey
        + ". The weights do not carry over: train the flow again (its spec still loads; a SavedModel exported "
        + "from the old run still works).";
  }

  /**
   * Whether a missing variable is one the Flow++ conditioner gained in issue 11: the positional encoding it now
   * shares among its blocks ({@code ….positional} at the network's scope, where checkpoints before it hold
   * {@code ….block_i.attention.positional}), or a block's condition projection ({@code ….condition_projection.…},
   * absent from checkpoints of the time the condition was concatenated to the input). Both names occur in no other
   * layer.
   */
  static boolean isFlowPlusPlusConditionerKey(String missingKey) {
    return (missingKey.endsWith(".positional") && !missingKey.contains(".attention.positional"))
        || missingKey.contains(".condition_projection.");
  }

  /**
   * Why a checkpoint misses a Flow++ conditioner's variables: the network took the official code's structure
   * (issue 11) in two steps, each of which changed its variables. A checkpoint of either earlier layout cannot be
   * mapped onto today's: the blocks' separate encodings have no single value to merge into, and a concatenated
   * condition's input kernel does not split into per-block projections.
   */
  static String oldFlowPlusPlusMessage(Path checkpoint, String missingKey) {
    return "checkpoint " + checkpoint + " cannot be resumed: it was written before the flowPlusPlus conditioner "
        + "took the official code's structure (one positional encoding per coupling, shared by its blocks, and a "
        + "condition entering every block through its own projection; earlier networks had one encoding per "
        + "block, and before that took the condition concatenated to the input), so it has no " + missingKey
        + ". The weights do not carry over: train the flow again (its spec still loads; a SavedModel exported "
        + "from the old run still works).";
  }

  /**
   * A checkpoint tensor {@code [1, h, w, c]} restored into a variable {@code [1, c]}: TensorFlow's message has no
   * variable name, but only one variable ever changed that way (see {@link #oldPointwiseVectorsMessage}). The
   * checkpoint's shape as TensorFlow prints it, or null if that is not the failure.
   */
  static @Nullable String wholeConvolutionVector(@Nullable String message) {
    if (message == null) {
      return null;
    }
    Matcher matcher = WHOLE_CONVOLUTION_VECTOR.matcher(message);
    return matcher.find() && matcher.group(1).equals(matcher.group(4))
        ? "[1," + matcher.group(2) + "," + matcher.group(3) + "," + matcher.group(4) + "]"
        : null;
  }

  private static final Pattern WHOLE_CONVOLUTION_VECTOR = Pattern.compile(
      "Assign requires shapes of both tensors to match\\. lhs shape= \\[1,(\\d+)\\] rhs shape= "
          + "\\[1,(\\d+),(\\d+),(\\d+)\\]");

  /**
   * Why a conv residual block's checkpoint does not fit: the 1×1 map's spectral normalisation (issue 9) now runs
   * power iteration on its {@code [in, out]} matrix, whose spectral norm is that of the whole 1×1 convolution, so its
   * vectors {@code sn_u}, {@code sn_v} are {@code [1, c]}; checkpoints written before kept them shaped like the whole
   * convolution's output and input, {@code [1, h, w, c]}. They are estimates, not weights, but a checkpoint
   * restores whole.
   */
  static String oldPointwiseVectorsMessage(Path checkpoint, String oldShape) {
    return "checkpoint " + checkpoint + " cannot be resumed: it was written before a conv residual block's 1x1 map "
        + "ran its spectral-norm power iteration on the [in, out] matrix, so it holds that map's vectors sn_u and "
        + "sn_v shaped like the whole convolution (" + oldShape + ") where the flow now has one entry per channel "
        + "([1, c]). The vectors are estimates, not weights, but a checkpoint restores whole: train the flow again "
        + "(its spec still loads; a SavedModel exported from the old run still works).";
  }

  /**
   * Checkpoints to try when resuming, best first: the one {@code latest} names, then the older ones, newest first
   * (checking each is the caller's: {@link #checkComplete}, {@link #readState}, {@link #restore}). A missing or
   * malformed {@code latest} is an error, not a reason to guess.
   */
  static List<Path> candidates(Path root) {
    Path named = pointer(root);
    long newest = step(named.getFileName().toString()).orElseThrow();
    List<Path> candidates = new ArrayList<>();
    candidates.add(named);
    for (long step : steps(root)) {
      if (step < newest) {
        candidates.add(root.resolve(name(step)));
      }
    }
    return candidates;
  }

  static String name(long steps) {
    return String.format("%s%09d", PREFIX, steps);
  }

  private static OptionalLong step(String name) {
    Matcher matcher = NAME.matcher(name);
    if (!matcher.matches()) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(matcher.group(1)));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** Keeps the newest {@value #KEEP} checkpoints up to {@code current}; later ones are another history's. */
  private static void pruneOld(Path root, long current) throws IOException {
    List<Long> ours = steps(root).stream().filter(step -> step <= current).toList();
    for (long step : ours.subList(Math.min(KEEP, ours.size()), ours.size())) {
      DurableFiles.deleteRecursively(root.resolve(name(step)));
    }
  }

  /** Temporary checkpoints and {@code latest} files left by a process killed while writing them. */
  private static void deleteLeftovers(Path root) throws IOException {
    List<Path> leftovers;
    try (Stream<Path> children = Files.list(root)) {
      leftovers = children.filter(child -> {
        String name = child.getFileName().toString();
        return name.startsWith("." + PREFIX) || name.startsWith("." + LATEST + "-");
      }).toList();
    }
    for (Path leftover : leftovers) {
      DurableFiles.deleteRecursively(leftover);
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
