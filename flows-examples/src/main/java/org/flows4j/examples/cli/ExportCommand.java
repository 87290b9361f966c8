package org.flows4j.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.flows4j.tf.training.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flows export}: writes OUT/saved_model from the newest checkpoint. */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Rebuild the trainer from the newest checkpoint in OUT/checkpoints and export OUT/saved_model "
        + "(with the averaged weights when the run uses --ema), replacing any earlier export.")
public final class ExportCommand implements Callable<Integer> {
  @Option(names = "--out", paramLabel = "DIR", required = true, description = "output folder of `flows train`")
  Path out = Path.of("");

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    RunDirectory run = new RunDirectory(out);
    run.checkCanBeAFolder();
    if (!run.hasCheckpoint()) {
      throw new UsageException("there is no checkpoint in " + run.checkpoints()
          + " to export. Point --out at the folder of a `flows train` run.");
    }
    try (RunLock lock = RunLock.acquire(run.root()); Trainer trainer = Trainer.resume(run.checkpoints())) {
      for (String skipped : trainer.skippedCheckpoints()) {
        spec.commandLine().getErr().println("warning: skipping a damaged checkpoint: " + skipped);
      }
      trainer.exportSavedModel(run.savedModel());
      spec.commandLine().getOut().printf("exported the weights of step %d%s to %s%n", trainer.steps(),
          trainer.options().usesEma() ? " (averaged)" : "", run.savedModel());
    }
    return ExitCodes.OK;
  }
}
