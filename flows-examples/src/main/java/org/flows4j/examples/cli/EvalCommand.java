package org.flows4j.examples.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.flows4j.tf.MemoryEstimate;
import org.flows4j.tf.export.FlowModel;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flows eval}: the exported model's mean negative log-likelihood on held-out data. */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Load OUT/saved_model and print its mean negative log-likelihood (nats and bits/dim) on "
        + "held-out data: the Fashion-MNIST test split, or a fixed seeded sample of a 2-D density.")
public final class EvalCommand implements Callable<Integer> {
  @Option(names = "--out", paramLabel = "DIR", required = true, description = "output folder of `flows train`")
  Path out = Path.of("");

  @Mixin RunDataOptions dataOption = new RunDataOptions();

  @Option(names = "--limit", paramLabel = "N",
      description = "evaluate the first N held-out examples (default: 5000 points; all 10000 test images)")
  @Nullable Integer limit;

  @Option(names = "--importance-samples", paramLabel = "K",
      description = "report the importance-weighted bound over K dequantization draws per image, tighter than "
          + "one draw (default: 1, the plain bound; the ELBO for Flow++)")
  int importanceSamples = 1;

  @Option(names = "--batch", paramLabel = "N",
      description = "rows per call into the model (examples × draws; with K above it, one image's draws are "
          + "taken in chunks of this many) (default: " + HeldOutStatistics.DEFAULT_ROWS
          + "; lower it to save memory, e.g. for flowpp)")
  int rows = HeldOutStatistics.DEFAULT_ROWS;

  @Mixin DataDirectoryOption dataDirectory = new DataDirectoryOption();

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    TrainCommand.atLeast("--limit", limit, 1);
    TrainCommand.atLeast("--importance-samples", importanceSamples, 1);
    TrainCommand.atLeast("--batch", rows, 1);
    RunDirectory run = new RunDirectory(out);
    try (FlowModel model = run.loadModel()) {
      // One call scores at most --batch rows: K draws of --batch / K examples, or, for K above --batch, one
      // example's draws in chunks of --batch. So memory does not grow with K (time does).
      MemoryEstimate.evaluation(model.spec(), rows).checkFits("evaluating with --batch " + rows
          + " rows per call", "Lower --batch.");
      DataChoice data = dataOption.resolve(run, model.spec().inputShape(), model.spec().context());
      int count = limit != null ? limit : data.defaults().heldOutForEval();
      if (count > data.maxHeldOut()) {
        throw new UsageException("--limit must be at most " + data.maxHeldOut() + " for " + data.cliName()
            + " (its held-out examples), but was " + count);
      }
      // A conditional model is scored as -log p(x | c), each held-out example with its own context.
      HeldOutStatistics statistics = data instanceof ConditionalDataChoice conditional && model.isConditional()
          ? HeldOutStatistics.measure(model, conditional.conditionalHeldOut(count, dataDirectory.directory()),
              importanceSamples, rows)
          : HeldOutStatistics.measure(model, data.heldOut(count, dataDirectory.directory()), importanceSamples,
              rows);
      spec.commandLine().getOut().printf(Locale.ROOT,
          "%s on %s: held-out NLL %.4f nats, %.4f bits/dim (mean over %d %s%s%s)%n", run.savedModel(),
          data.cliName(), statistics.nats(), statistics.bitsPerDim(), statistics.examples(),
          data.shape().isImage() ? "test images" : "points",
          importanceSamples > 1 ? ", importance-weighted over " + importanceSamples + " draws" : "",
          model.isConditional() ? ", given each example's context" : "");
    }
    return ExitCodes.OK;
  }
}
