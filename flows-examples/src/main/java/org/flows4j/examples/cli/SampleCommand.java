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

  @Option(names = "--n", paramLabel = "N", description = "samples to draw (default: 64 images, 2000 points)")
  @Nullable Integer count;

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
    TrainCommand.atLeast("--n", count, 1);
    if (!(temperature > 0 && Double.isFinite(temperature))) {
      throw new UsageException("--temperature must be positive and finite, but was " + temperature);
    }
    RunDirectory run = new RunDirectory(out);
    Path target = png != null ? png
        : run.root().resolve(String.format(Locale.ROOT, "samples-t%s-seed%d%s.png", temperature, seed,
            classIndex == null ? "" : "-class" + classIndex));
    try (FlowModel model = run.loadModel()) {
      if (model.isConditional()) {
        return sampleConditional(run, model, target);
      }
      if (classIndex != null) {
        throw new UsageException("--class picks the class a conditional model draws, but the model in "
            + run.root() + " is unconditional. Drop --class, or train one with --conditional.");
      }
      boolean images = model.spec().inputShape().isImage();
      int n = count != null ? count : images ? 64 : 2000;
      int most = images ? MAX_IMAGES : MAX_POINTS;
      if (n > most) {
        throw new UsageException("--n " + n + " is more " + (images ? "images" : "points") + " than one picture "
            + "shows (at most " + most + "). Lower --n, or draw several pictures with different --seed.");
      }
      MemoryEstimate.evaluation(model.spec(), n).checkFits("sampling --n " + n, "Lower --n.");
      if (images) {
        int columns = (int) Math.ceil(Math.sqrt(n));
        RunPictures.writeImageSamples(target, model, n, new double[] {temperature}, seed, columns);
      } else {
        RunPictures.writeDensity(target, title(run) + " (T=" + temperature + ")", model,
            dataPoints(run, model), n, temperature, seed);
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
    int n = count != null ? count : images ? (classIndex != null ? 64 : RunPictures.IMAGE_COLUMNS) : 2000;
    int most = (images ? MAX_IMAGES : MAX_POINTS) / contexts.size();
    if (n > most) {
      throw new UsageException("--n " + n + " per context, for " + contexts.size() + " contexts, is more "
          + (images ? "images" : "points") + " than one picture shows (at most " + most + " each). Lower --n, "
          + "or pick one class with --class.");
    }
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
