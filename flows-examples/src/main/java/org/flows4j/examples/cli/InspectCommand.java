package org.flows4j.examples.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.tf.MemoryEstimate;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flows inspect}: a flow's steps, shapes and parameter counts, without training anything. */
@Command(name = "inspect", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Compile a flow and print its steps: location, kind, input -> output shape, parameters, "
        + "log-det kind and inverse kind, then the totals. The flow is a --model for --data (the one "
        + "`flows train` would build), a spec.json written by `flows train`, or any spec JSON file.")
public final class InspectCommand implements Callable<Integer> {
  @Option(names = "--model", paramLabel = "NAME", converter = NameConverters.Model.class,
      description = "realnvp, nice, glow, emerging, flowpp, maf, resflow or nsf (default: realnvp)")
  @Nullable ModelPreset model;

  @Option(names = "--data", paramLabel = "NAME", converter = NameConverters.Data.class,
      description = "the data the model is for; sets its input shape (default: moons)")
  @Nullable DataChoice data;

  @Option(names = "--conditional", description = "as for `flows train`: fashion-mnist conditioned on its class "
      + "labels; 8gaussians-labelled and ring-radius are always conditional")
  boolean conditional;

  @Option(names = "--width", paramLabel = "N", description = "as for `flows train`")
  @Nullable Integer width;

  @Option(names = "--depth", paramLabel = "N", description = "as for `flows train`")
  @Nullable Integer depth;

  @Option(names = "--spec", paramLabel = "FILE", description = "a flow spec as JSON (FlowSpecJson), e.g. "
      + "OUT/spec.json; instead of --model and --data")
  @Nullable Path specFile;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    FlowSpec flow;
    String title;
    if (specFile != null) {
      if (model != null || data != null || width != null || depth != null || conditional) {
        throw new UsageException("--spec gives the whole flow; drop --model, --data, --conditional, --width and "
            + "--depth");
      }
      flow = readSpec(specFile);
      title = specFile.toString();
    } else {
      TrainCommand.atLeast("--width", width, 1);
      TrainCommand.atLeast("--depth", depth, 1);
      ModelPreset chosenModel = model != null ? model : ModelPreset.REALNVP;
      DataChoice givenData = data != null ? data : DataChoice.fromCliName("moons");
      // The flow `flows train` would build: conditioned on the data's context when they have one.
      DataChoice chosenData = conditional ? givenData.conditioned() : givenData;
      flow = TrainCommand.flowSpec(chosenModel, chosenData, width, depth);
      title = chosenModel.cliName() + " for " + chosenData.cliName();
    }
    // The table compiles the flow: refuse first what would not fit (one example's pass, the graph, the weights).
    MemoryEstimate.evaluation(flow, 1).checkFits("inspecting " + title, "Lower --width or --depth.");
    spec.commandLine().getOut().print(title + ", input " + flow.inputShape() + ":\n" + LayerTable.render(flow));
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  private static FlowSpec readSpec(Path file) {
    String json;
    try {
      json = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UsageException("--spec " + file + ": no such file", e);
    } catch (IOException e) {
      throw new UsageException("--spec " + file + " cannot be read: " + e.getMessage(), e);
    }
    try {
      return FlowSpecJson.fromJson(json);
    } catch (IllegalArgumentException e) {
      // Both "not JSON / not a spec" and an invalid spec: the message says where and why.
      throw new UsageException("--spec " + file + ": " + e.getMessage(), e);
    }
  }
}
