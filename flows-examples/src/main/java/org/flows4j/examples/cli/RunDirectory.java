package org.flows4j.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.training.Checkpoints;
import org.jspecify.annotations.Nullable;

/**
 * The output folder of a training run ({@code --out}) and what goes in it: {@code checkpoints/},
 * {@code saved_model/}, {@code spec.json}, {@code run.json}, {@code metrics.csv}, {@code curves.png} and
 * {@code samples.png}.
 */
record RunDirectory(Path root) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** {@code out/<model>-<data>}, relative to the working directory. */
  static RunDirectory defaultFor(ModelPreset model, DataChoice data) {
    return new RunDirectory(Path.of("out", model.cliName() + "-" + data.cliName()));
  }

  Path checkpoints() {
    return root.resolve("checkpoints");
  }

  Path savedModel() {
    return root.resolve("saved_model");
  }

  Path specJson() {
    return root.resolve("spec.json");
  }

  Path runJson() {
    return root.resolve("run.json");
  }

  Path metricsCsv() {
    return root.resolve("metrics.csv");
  }

  Path curvesPng() {
    return root.resolve("curves.png");
  }

  Path samplesPng() {
    return root.resolve("samples.png");
  }

  /**
   * Fails with a usage error when the folder cannot exist because its path is taken by a file (the folder itself, or
   * one of its parents); writes nothing.
   */
  void checkCanBeAFolder() {
    Path absolute = root.toAbsolutePath().normalize();
    for (Path path = absolute; path != null; path = path.getParent()) {
      if (Files.exists(path) && !Files.isDirectory(path)) {
        throw new UsageException(path.equals(absolute)
            ? "--out " + root + " is a file, not a folder. Choose another --out."
            : "--out " + root + " cannot be a folder: " + path + " is a file. Choose another --out.");
      }
    }
  }

  /** The spec in {@code spec.json}; null when there is none, a usage error when it is damaged. */
  @Nullable FlowSpec readSpec() {
    Path file = specJson();
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      return FlowSpecJson.fromJson(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      throw damaged(file, e.getMessage(), e);
    }
  }

  boolean hasCheckpoint() {
    return Checkpoints.exists(checkpoints());
  }

  /** True when the folder holds any output of a run (so a fresh run would mix with it). */
  boolean holdsARun() {
    return outputs().stream().anyMatch(Files::exists);
  }

  /** Deletes the outputs of an earlier run; other files in the folder stay. */
  void clear() throws IOException {
    for (Path output : outputs()) {
      if (Files.isDirectory(output)) {
        try (Stream<Path> walk = Files.walk(output)) {
          for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(path);
          }
        }
      } else {
        Files.deleteIfExists(output);
      }
    }
  }

  /** TensorBoard event files ({@code tensorboard --logdir} this folder). */
  Path tensorboard() {
    return root.resolve("tensorboard");
  }

  private List<Path> outputs() {
    return List.of(checkpoints(), savedModel(), specJson(), runJson(), metricsCsv(), curvesPng(), samplesPng(),
        tensorboard());
  }

  void writeSpec(FlowSpec spec) throws IOException {
    Files.createDirectories(root);
    Files.writeString(specJson(), FlowSpecJson.toJson(spec) + "\n", StandardCharsets.UTF_8);
  }

  void writeInfo(RunInfo info) throws IOException {
    Files.createDirectories(root);
    Files.writeString(runJson(), JSON.writeValueAsString(info) + "\n", StandardCharsets.UTF_8);
  }

  /** The exported model; a usage error saying how to make one when there is none. Close it. */
  FlowModel loadModel() {
    if (!Files.isRegularFile(savedModel().resolve("saved_model.pb"))) {
      throw new UsageException("there is no exported model in " + savedModel() + ". `flows train --out " + root
          + "` writes one at the end of training, and `flows export --out " + root
          + "` writes one from the newest checkpoint.");
    }
    try {
      return FlowModel.load(savedModel());
    } catch (IllegalArgumentException e) {
      throw new UsageException(String.valueOf(e.getMessage()), e);
    }
  }

  /** The run's {@code run.json}; a usage error saying what to do when the folder is not a training run's. */
  RunInfo readInfo() {
    Path file = runJson();
    if (!Files.isRegularFile(file)) {
      throw new UsageException(root + " is not the output folder of `flows train` (it has no run.json). "
          + "Point --out at a folder `flows train` wrote, or train one first.");
    }
    try {
      return JSON.readValue(Files.readString(file, StandardCharsets.UTF_8), RunInfo.class);
    } catch (ValueInstantiationException e) {
      // RunInfo's own check of an edited field: its message, not Jackson's wrapper naming the Java type.
      throw damaged(file, e.getCause() != null ? e.getCause().getMessage() : e.getOriginalMessage(), e);
    } catch (JsonProcessingException e) {
      throw damaged(file, e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw damaged(file, e.getMessage(), e);
    }
  }

  private static UsageException damaged(Path file, @Nullable String detail, Exception cause) {
    return new UsageException(file + " is damaged (" + String.valueOf(detail).lines().findFirst().orElse("")
        + "). It is written by `flows train`; restore it, or train again with --overwrite to recreate it.", cause);
  }
}
