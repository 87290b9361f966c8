package org.flows4j.examples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.flows4j.tf.MemoryEstimate;
import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code flows sample}: draws from the exported model and writes a PNG. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Sample from OUT/saved_model and write a PNG: a grid of images, or for 2-D data the model's "
        + "density beside its samples drawn over the data. A conditional model is drawn per context: a grid row "
        + "of images or a density row per class (or per parameter value), or class K alone with --class K.")
public final class SampleCommand implements Callable<Integer> {
  @Option(names = "--out", paramLabel = "DIR", required = true, description = "output folder of `flows train`")
  Path out = Path.of("");

  @Option(names = "--n", paramLabel = "N", description = "samples to draw (default: 64 images, 2000 points); "
      + "above what one picture shows, only with --csv")
  @Nullable Long count;

  @Option(names = "--temperature", paramLabel = "T", defaultValue = "1.0",
      description = "scales the base distribution's spread; below 1 gives cleaner, less varied samples "
          + "(default: ${DEFAULT-VALUE})")
  double temperature = 1.0;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "the same seed gives the same samples (default: ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--png", paramLabel = "PATH",
      description = "where to write the picture (default: OUT/samples-t<temperature>-seed<seed>.png)")
  @Nullable Path png;

  @Option(names = "--csv", paramLabel = "PATH",
      description = "also write the samples to PATH, one per line (D comma-separated values), in chunks of --batch "
          + "as they are drawn: any --n, in the memory of one chunk")
  @Nullable Path csv;

  @Option(names = "--batch", paramLabel = "N",
      description = "samples per call into the model for --csv (default: ${DEFAULT-VALUE}; lower it to save memory)")
  int rows = 500;

  @Option(names = "--class", paramLabel = "K",
      description = "conditional models with a class context: draw class K only (default: every class, a row or "
          + "a panel each)")
  @Nullable Integer classIndex;

  @Mixin RunDataOptions dataOption = new RunDataOptions();

  @Mixin DataDirectoryOption dataDirectory = new DataDirectoryOption();

  @Spec CommandSpec spec;

  /** A grid of 100 × 100 images is already 2800 × 2800 pixels for Fashion-MNIST. */
  static final int MAX_IMAGES = 10_000;
  /** Points drawn over the density; more only hide it. */
  static final int MAX_POINTS = 1_000_000;

  @Override
  public Integer call() throws IOException {
    if (count != null && count < 1) {
      throw new UsageException("--n must be at least 1, but was " + count);
    }
    TrainCommand.atLeast("--batch", rows, 1);
    if (!(temperature > 0 && Double.isFinite(temperature))) {
      throw new UsageException("--temperature must be positive and finite, but was " + temperature);
    }
    RunDirectory run = new RunDirectory(out);
    Path target = png != null ? png
        : run.root().resolve(String.format(Locale.ROOT, "samples-t%s-seed%d%s.png", temperature, seed,
            classIndex == null ? "" : "-class" + classIndex));
    try (FlowModel model = run.loadModel()) {
      if (model.isConditional()) {
        if (csv != null) {
          throw new UsageException("--csv writes samples of an unconditional model; the model in " + run.root()
              + " is conditional. Drop --csv (the picture shows each context).");
        }
        return sampleConditional(run, model, target);
      }
      if (classIndex != null) {
        throw new UsageException("--class picks the class a conditional model draws, but the model in "
            + run.root() + " is unconditional. Drop --class, or train one with --conditional.");
      }
      boolean images = model.spec().inputShape().isImage();
      long n = count != null ? count : images ? 64 : 2000;
      int most = images ? MAX_IMAGES : MAX_POINTS;
      if (n > most && csv == null) {
        throw new UsageException("--n " + n + " is more " + (images ? "images" : "points") + " than one picture "
            + "shows (at most " + most + "). Lower --n, draw several pictures with different --seed, or write "
            + "them all with --csv FILE.");
      }
      if (csv != null) {
        // Chunks of --batch: memory does not grow with --n.
        MemoryEstimate.evaluation(model.spec(), Math.min(rows, n)).checkFits("sampling with --batch " + rows,
            "Lower --batch.");
        SampleFile.write(csv, model, n, (int) Math.min(rows, n), temperature, seed);
        spec.commandLine().getOut().printf(Locale.ROOT, "wrote %d samples at temperature %s (seed %d) to %s%n", n,
            temperature, seed, csv);
        if (n > most) {
          return ExitCodes.OK; // more than a picture shows: the file is the output
        }
      }
      MemoryEstimate.evaluation(model.spec(), n).checkFits("sampling --n " + n, "Lower --n.");
      if (images) {
        int columns = (int) Math.ceil(Math.sqrt(n));
        RunPictures.writeImageSamples(target, model, (int) n, new double[] {temperature}, seed, columns);
      } else {
        RunPictures.writeDensity(target, title(run) + " (T=" + temperature + ")", model,
            dataPoints(run, model), (int) n, temperature, seed);
      }
      spec.commandLine().getOut().printf(Locale.ROOT, "wrote %d samples at temperature %s (seed %d) to %s%n", n,
          temperature, seed, target);
    }
    return ExitCodes.OK;
  }

  /**
   * A conditional model: every picture context of its data (or class {@code --class} alone), {@code --n} samples
   * each.
   */
  private int sampleConditional(RunDirectory run, FlowModel model, Path target) throws IOException {
    boolean images = model.spec().inputShape().isImage();
    if (!(dataOption.resolve(run, model.spec().inputShape(), model.spec().context())
        instanceof ConditionalDataChoice data)) {
      throw new IllegalStateException("resolve returns data with contexts for a conditional model");
    }
    List<ConditionalDataChoice.PictureContext> contexts = classIndex != null
        ? List.of(data.classContext(classIndex)) : data.pictureContexts();
    long requested = count != null ? count : images ? (classIndex != null ? 64 : RunPictures.IMAGE_COLUMNS) : 2000;
    int most = (images ? MAX_IMAGES : MAX_POINTS) / contexts.size();
    if (requested > most) {
      throw new UsageException("--n " + requested + " per context, for " + contexts.size() + " contexts, is more "
          + (images ? "images" : "points") + " than one picture shows (at most " + most + " each). Lower --n, "
          + "or pick one class with --class.");
    }
    int n = (int) requested;
    MemoryEstimate.evaluation(model.spec(), n).checkFits("sampling --n " + n, "Lower --n.");
    if (images) {
      int columns = contexts.size() == 1 ? (int) Math.ceil(Math.sqrt(n)) : n;
      RunPictures.writeClassGrid(target, model, contexts, n, temperature, seed, columns);
    } else {
      RunPictures.writeConditionalDensities(target, title(run) + " (T=" + temperature + ")", model, contexts,
          context -> data instanceof ConditionalToyDataChoice toy ? toy.pointsGiven(context, 2000) : new float[0],
          n, temperature, seed);
    }
    spec.commandLine().getOut().printf(Locale.ROOT, "wrote %d samples for each of %s at temperature %s (seed %d) "
        + "to %s%n", n, contexts.size() == 1 ? contexts.get(0).label() : contexts.size() + " contexts", temperature,
        seed, target);
    return ExitCodes.OK;
  }

  /** Held-out points of the run's data, drawn beneath the samples; none when the data are not known. */
  private float[] dataPoints(RunDirectory run, FlowModel model) {
    if (dataOption.data == null && !Files.isRegularFile(run.runJson())) {
      return new float[0];
    }
    DataChoice data = dataOption.resolve(run, model.spec().inputShape(), model.spec().context());
    HeldOut heldOut = data.heldOut(2000, dataDirectory.directory());
    return Arrays.copyOf(heldOut.values(), 2 * heldOut.count());
  }

  private static String title(RunDirectory run) {
    if (!Files.isRegularFile(run.runJson())) {
      return run.root().toString();
    }
    RunInfo info = run.readInfo();
    return info.model() + " on " + info.data();
  }
}
