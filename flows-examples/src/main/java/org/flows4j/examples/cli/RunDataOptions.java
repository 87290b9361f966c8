package org.flows4j.examples.cli;

import java.nio.file.Files;
import org.flows4j.api.Shape;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --data} for the commands that work on a trained run ({@code eval}, {@code sample}): by default the data
 * the run was trained on, as {@code run.json} records it.
 */
final class RunDataOptions {
  @Option(names = "--data", paramLabel = "NAME", converter = NameConverters.Data.class,
      description = "the held-out data (default: what the run in --out was trained on)")
  @Nullable DataChoice data;

  /** The data to use for the run in {@code run}, checked against the shape the model expects. */
  DataChoice resolve(RunDirectory run, Shape modelInput) {
    DataChoice chosen;
    if (data != null) {
      chosen = data;
    } else if (Files.isRegularFile(run.runJson())) {
      chosen = DataChoice.fromCliName(run.readInfo().data());
    } else {
      throw new UsageException(run.root() + " has no run.json saying what the model was trained on; "
          + "pass --data");
    }
    if (!chosen.shape().equals(modelInput)) {
      throw new UsageException("the model in " + run.root() + " takes examples of shape " + modelInput
          + ", but --data " + chosen.cliName() + " has shape " + chosen.shape() + ". Pick data of that shape.");
    }
    return chosen;
  }
}
