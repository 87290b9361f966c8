package org.flows4j.examples.cli;

import java.nio.file.Files;
import org.flows4j.api.Shape;
import org.flows4j.api.context.ClassContext;
import org.flows4j.api.context.ContextSpec;
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

  /**
   * The data to use for the run in {@code run}, checked against the shape the model expects; with their contexts
   * when the model is conditional (it decides: a conditional model needs them, an unconditional one ignores them).
   */
  DataChoice resolve(RunDirectory run, Shape modelInput, ContextSpec modelContext) {
    DataChoice chosen;
    if (data != null) {
      chosen = modelContext.isConditional() ? data.conditioned() : data;
    } else if (Files.isRegularFile(run.runJson())) {
      chosen = run.readInfo().dataChoice();
    } else {
      throw new UsageException(run.root() + " has no run.json saying what the model was trained on; "
          + "pass --data");
    }
    if (!chosen.shape().equals(modelInput)) {
      throw new UsageException("the model in " + run.root() + " takes examples of shape " + modelInput
          + ", but --data " + chosen.cliName() + " has shape " + chosen.shape() + ". Pick data of that shape.");
    }
    if (modelContext.isConditional() && !(chosen instanceof ConditionalDataChoice conditional
        && conditional.context().equals(modelContext))) {
      throw new UsageException("the model in " + run.root() + " is conditioned on " + describe(modelContext)
          + ", but --data " + chosen.cliName() + (chosen instanceof ConditionalDataChoice conditional
              ? " comes with " + describe(conditional.context()) : " has no context")
          + ". Pick the data it was trained on.");
    }
    return chosen;
  }

  private static String describe(ContextSpec context) {
    if (context instanceof ClassContext classes) {
      return "a class label of " + classes.classes() + " classes";
    }
    return context.inputWidth() + " context feature" + (context.inputWidth() == 1 ? "" : "s");
  }
}
