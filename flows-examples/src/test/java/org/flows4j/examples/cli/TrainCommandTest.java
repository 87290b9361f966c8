package org.flows4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.tf.summary.EventFiles;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.ImportanceSamples;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.api.Shape;
import org.flows4j.examples.metrics.MetricsCsv;
import org.flows4j.examples.metrics.MetricsRow;
import org.flows4j.api.data.VariationalDequantization;
import org.flows4j.tf.export.FlowModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flows train} on tiny settings: what it writes, resuming, and the errors a user can make. */
class TrainCommandTest {
  /** {@code flows train} with a RealNVP of 2 couplings of width 8: compiles and trains in about a second. */
  private static final String[] TINY_TRAIN = {"train", "--width", "8", "--depth", "2"};

  @TempDir Path dir;

  private static String[] tinyTrain(String... more) {
    String[] first = TINY_TRAIN;
    String[] all = new String[first.length + more.length];
    System.arraycopy(first, 0, all, 0, first.length);
    System.arraycopy(more, 0, all, first.length, more.length);
    return all;
  }

  @Test
  void mafTrainsAndSamplesFromTheCommandLine() throws Exception {
    Path out = dir.resolve("maf");

    Cli.Result result = Cli.run("train", "--model", "maf", "--width", "16", "--depth", "2", "--data", "moons",
        "--steps", "5", "--eval-every", "5", "--out", out.toString(), "--quiet");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    try (FlowModel model = FlowModel.load(out.resolve("saved_model"))) {
      assertThat(model.spec()).isEqualTo(ModelPreset.MAF.build(Shape.of(2), 16, 2));
      assertThat(model.sample(8, 1.0, 3)).hasSize(16);
    }
  }

  /**
   * A Residual Flow trains and exports from the command line, sampling through the exported fixed-point inverse; and
   * its run writes, at each held-out evaluation (steps 3 and 6), the iterations each block's fixed-point inverse
   * took, read back from the event file as {@code Event} protos. The values are the trainer's own: a trainer
   * restored from the run's final checkpoint, drawing the same 16 samples (seed = the step), reports the same
   * counts, each within 1 and the block's maxIterations.
   */
  @Test
  void residualFlowTrainsExportsAndWritesEachBlocksInverseIterationsToTensorBoard() throws Exception {
    Path out = dir.resolve("resflow");

    Cli.Result result = Cli.run("train", "--model", "resflow", "--width", "16", "--depth", "2", "--data", "rings",
        "--steps", "6", "--eval-every", "3", "--out", out.toString(), "--quiet");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).contains("resflow on rings: steps 0 to 6", "held-out NLL");
    FlowSpec spec = ModelPreset.RESFLOW.build(Shape.of(2), 16, 2);
    try (FlowModel model = FlowModel.load(out.resolve("saved_model"))) {
      assertThat(model.spec()).isEqualTo(spec);
      assertThat(model.logProb(new float[] {0.5f, -1f}, 1)[0]).isFinite();
      // Sampling runs the fixed-point inverse inside the exported graph.
      assertThat(model.sample(8, 1.0, 3)).hasSize(16);
    }
    Map<String, Integer> maxIterations = new LinkedHashMap<>();
    for (int i = 0; i < spec.steps().size(); i++) {
      if (spec.steps().get(i) instanceof ResidualBlock block) {
        maxIterations.put("steps[" + i + "]", block.inverse().maxIterations());
      }
    }
    assertThat(maxIterations).hasSize(2);
    Map<String, SortedMap<Long, Float>> scalars = EventFiles.scalars(eventFile(out.resolve("tensorboard")));
    assertThat(scalars.get("loss")).hasSize(6);
    try (Trainer restored = Trainer.resume(out.resolve("checkpoints"))) {
      assertThat(restored.steps()).isEqualTo(6);
      restored.sample(InverseIterationsProbe.SAMPLES, 1.0, 6);
      assertThat(restored.inverseIterations().keySet()).containsExactlyElementsOf(maxIterations.keySet());
      maxIterations.forEach((block, max) -> {
        SortedMap<Long, Float> iterations = scalars.get("residual/" + block + "/inverse_iterations");
        assertThat(iterations).as(block).containsOnlyKeys(3L, 6L);
        assertThat(iterations.values()).allSatisfy(count -> assertThat(count).isBetween(1f, (float) max));
        assertThat(iterations.get(6L)).isEqualTo((float) restored.inverseIterations().get(block));
      });
      System.out.println("inverse iterations per block in the event file: " + maxIterations.keySet().stream()
          .map(block -> block + " " + scalars.get("residual/" + block + "/inverse_iterations")).toList());
    }
  }

  private static Path eventFile(Path tensorboard) throws IOException {
    try (Stream<Path> files = Files.list(tensorboard)) {
      List<Path> events = files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
      assertThat(events).hasSize(1);
      return events.get(0);
    }
  }

  @Test
  void trainingOnTwoDimensionalDataWritesEveryOutput() throws Exception {
    Path out = dir.resolve("run");

    Cli.Result result = Cli.run(tinyTrain("--data", "moons", "--steps", "20", "--eval-every", "10",
        "--checkpoint-every", "10", "--out", out.toString(), "--quiet"));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out().lines()).as("--quiet prints only the summary").hasSize(3);
    assertThat(result.out()).contains("realnvp on moons: steps 0 to 20", "held-out NLL", "on 5000 points");
    assertThat(out.resolve("checkpoints/latest")).exists();
    assertThat(FlowSpecJson.fromJson(Files.readString(out.resolve("spec.json"), StandardCharsets.UTF_8)))
        .isEqualTo(ModelPreset.REALNVP.build(Shape.of(2), 8, 2));
    assertThat(Files.readString(out.resolve("run.json"))).contains("\"model\" : \"realnvp\"",
        "\"data\" : \"moons\"", "\"batch\" : 256");

    List<MetricsRow> rows = MetricsCsv.read(out.resolve("metrics.csv"));
    assertThat(rows.stream().filter(r -> r.kind() == MetricsRow.Kind.TRAIN).map(MetricsRow::step))
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L, 19L, 20L);
    assertThat(rows.stream().filter(r -> r.kind() == MetricsRow.Kind.HELD_OUT).map(MetricsRow::step))
        .containsExactly(10L, 20L);
    assertThat(rows).allSatisfy(row -> assertThat(row.lossNats()).isFinite());
    assertThat(rows.get(0).gradientNorm()).isPositive();
    assertThat(rows.get(0).learningRate()).isEqualTo(3e-3);

    BufferedImage curves = Images.read(out.resolve("curves.png"));
    assertThat(curves.getWidth()).isEqualTo(800);
    assertThat(curves.getHeight()).isEqualTo(500);
    BufferedImage samples = Images.read(out.resolve("samples.png"));
    assertThat(samples.getWidth()).as("density and samples side by side").isBetween(800, 1100);
    assertThat(samples.getHeight()).isBetween(400, 600);

    try (FlowModel model = FlowModel.load(out.resolve("saved_model"))) {
      assertThat(model.spec()).isEqualTo(ModelPreset.REALNVP.build(Shape.of(2), 8, 2));
      assertThat(model.logProb(new float[] {0f, 0.5f}, 1)[0]).isFinite();
    }
  }

  @Test
  void withoutATerminalProgressIsPrintedAsPlainLinesAtEachEvaluation() {
    Cli.Result result = Cli.run(tinyTrain("--steps", "6", "--eval-every", "3",
        "--out", dir.resolve("run").toString()));

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out().lines().filter(line -> line.startsWith("step ")))
        .hasSize(2)
        .allMatch(line -> line.matches("step [36]/6  loss \\S+ nats \\S+ bits/dim  held-out \\S+ nats \\S+ "
            + "bits/dim  \\S+ steps/s  ETA \\d+:\\d\\d:\\d\\d"));
    assertThat(result.out()).startsWith("training realnvp on moons to step 6: batch 256, adam lr 0.003, seed 0");
  }

  @Test
  void resumeContinuesFromTheCheckpointAndTheMetricsContinueTheStepCount() throws Exception {
    Path out = dir.resolve("run");
    assertThat(Cli.run(tinyTrain("--steps", "10", "--out", out.toString(), "--quiet")).exitCode())
        .isZero();

    Cli.Result resumed = Cli.run("train", "--resume", "--steps", "16", "--out", out.toString(), "--quiet");

    assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
    assertThat(resumed.out()).contains("steps 10 to 16");
    List<Long> trainSteps = MetricsCsv.read(out.resolve("metrics.csv")).stream()
        .filter(r -> r.kind() == MetricsRow.Kind.TRAIN).map(MetricsRow::step).toList();
    assertThat(trainSteps).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L);
    assertThat(Files.readString(out.resolve("checkpoints/latest")).trim()).isEqualTo("checkpoint-000000016");
  }

  @Test
  void resumeWithoutACheckpointSaysSoAndExitsWithTwo() {
    Path out = dir.resolve("empty");

    Cli.Result result = Cli.run("train", "--resume", "--out", out.toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).isEqualTo("error: --resume: there is no checkpoint in " + out.resolve("checkpoints")
        + ". Train without --resume first (with the same --out), or point --out at an earlier run's folder.\n");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void resumeRefusesOptionsThatTheCheckpointFixes() {
    Path out = dir.resolve("run");
    assertThat(Cli.run(tinyTrain("--steps", "4", "--out", out.toString(), "--quiet")).exitCode())
        .isZero();

    Cli.Result result = Cli.run("train", "--resume", "--steps", "8", "--lr", "0.01", "--data", "rings",
        "--out", out.toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains("these cannot change: --data rings (the run trains on moons), --lr 0.01.");
  }

  @Test
  void aSecondFreshRunIntoTheSameFolderIsRefusedUnlessOverwriting() {
    Path out = dir.resolve("run");
    assertThat(Cli.run(tinyTrain("--steps", "3", "--out", out.toString(), "--quiet")).exitCode())
        .isZero();

    Cli.Result refused = Cli.run(tinyTrain("--steps", "3", "--out", out.toString(), "--quiet"));
    Cli.Result overwritten = Cli.run(tinyTrain("--steps", "2", "--out", out.toString(), "--quiet",
        "--overwrite"));

    assertThat(refused.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(refused.err()).isEqualTo("error: " + out + " already holds a training run. Continue it with "
        + "--resume, replace it with --overwrite, or choose another --out.\n");
    assertThat(overwritten.exitCode()).as(overwritten.toString()).isZero();
    assertThat(overwritten.out()).contains("steps 0 to 2");
  }

  @Test
  void unknownModelAndDataNamesListTheValidNames() {
    Cli.Result badModel = Cli.run("train", "--model", "ffjord");
    Cli.Result badData = Cli.run("train", "--data", "mnist");

    assertThat(badModel.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(badModel.err()).startsWith("error: Invalid value for option '--model': unknown model 'ffjord'; "
        + "choose one of: realnvp, nice, glow, emerging, flowpp, maf, resflow, nsf\n");
    assertThat(badData.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(badData.err()).startsWith("error: Invalid value for option '--data': unknown data 'mnist'; "
        + "choose one of: 8gaussians, checkerboard, 2spirals, moons, pinwheel, rings, circles, 8gaussians-labelled, "
        + "ring-radius, fashion-mnist\n");
    assertThat(badData.err()).contains("See 'flows train --help' for the options.");
  }

  @Test
  void glowOnTwoDimensionalDataPointsToTheModelsThatFit() {
    Cli.Result result = Cli.run("train", "--model", "glow", "--data", "moons", "--out",
        dir.resolve("run").toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    // The list is generated from the presets: every one that builds for 2-D vectors.
    assertThat(result.err()).contains("--model glow needs image data",
        "Use --model realnvp, --model nice, --model maf, --model resflow or --model nsf for 2-D data, or --data fashion-mnist.");
  }

  @Test
  void badNumbersAreRefusedNamingTheOption() {
    Cli.Result result = Cli.run("train", "--ema", "1.5", "--out", dir.resolve("run").toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).isEqualTo("error: --ema must be in [0, 1) (0 turns the weight average off), but was "
        + "1.5\n");
  }

  @Test
  void trainsOnTheFirstFashionMnistImagesAndDrawsASampleGrid() throws Exception {
    Path out = dir.resolve("fashion");

    Cli.Result result = Cli.run("train", "--data", "fashion-mnist", "--train-limit", "64", "--steps", "3",
        "--batch", "16", "--width", "4", "--depth", "1", "--out", out.toString(), "--quiet");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).contains("on 1000 test images (averaged weights)");
    BufferedImage samples = Images.read(out.resolve("samples.png"));
    // 64 cells of 28×28 enlarged twice, 8 per row, with 2-pixel separators: 8·56 + 9·2 = 466.
    assertThat(samples.getWidth()).isEqualTo(466);
    assertThat(samples.getHeight()).isEqualTo(466);
    List<MetricsRow> rows = MetricsCsv.read(out.resolve("metrics.csv"));
    assertThat(rows).extracting(MetricsRow::step).containsExactly(1L, 2L, 3L, 3L);
    assertThat(rows.get(3).bitsPerDim()).as("an untrained model is near 8 bits/dim").isBetween(5.0, 10.0);

    Cli.Result eval = Cli.run("eval", "--out", out.toString(), "--limit", "100");
    assertThat(eval.exitCode()).as(eval.toString()).isZero();
    assertThat(eval.out()).contains(" on fashion-mnist: held-out NLL ", "(mean over 100 test images)");
    // Uniform dequantization gains from more draws too. A model 3 steps old is nearly flat inside each bin, so the
    // gain is small (about 0.01 nats of 4148, below the printed bits/dim's decimals): compare the nats.
    Cli.Result weighted = Cli.run("eval", "--out", out.toString(), "--limit", "100", "--importance-samples", "8");
    assertThat(weighted.exitCode()).as(weighted.toString()).isZero();
    assertThat(weighted.out()).contains("(mean over 100 test images, importance-weighted over 8 draws)");
    assertThat(nats(weighted.out())).isLessThan(nats(eval.out()));

    Path png = dir.resolve("ten.png");
    Cli.Result sample = Cli.run("sample", "--out", out.toString(), "--n", "10", "--png", png.toString());
    assertThat(sample.exitCode()).as(sample.toString()).isZero();
    BufferedImage grid = Images.read(png);
    // 10 cells, 4 per row (the square root, rounded up), so 3 rows: 4·56 + 5·2 = 234 by 3·56 + 4·2 = 176.
    assertThat(grid.getWidth()).isEqualTo(234);
    assertThat(grid.getHeight()).isEqualTo(176);
  }

  @Test
  void emergingTrainsOnFashionMnistAndExports() throws Exception {
    Path out = dir.resolve("emerging");

    Cli.Result result = Cli.run("train", "--model", "emerging", "--data", "fashion-mnist", "--train-limit", "64",
        "--steps", "3", "--width", "8", "--depth", "1", "--out", out.toString(), "--quiet");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).contains("emerging on fashion-mnist: steps 0 to 3", "held-out NLL");
    try (FlowModel model = FlowModel.load(out.resolve("saved_model"))) {
      assertThat(model.spec()).isEqualTo(ModelPreset.EMERGING.build(Shape.of(28, 28, 1), 8, 1));
      assertThat(model.logProb(new float[28 * 28], 1)[0]).isFinite();
    }
  }

  @Test
  void flowPlusPlusTrainsOnFashionMnistAndExportsBothBounds() throws Exception {
    Path out = dir.resolve("flowpp");

    Cli.Result result = Cli.run("train", "--model", "flowpp", "--data", "fashion-mnist", "--train-limit", "64",
        "--steps", "3", "--width", "8", "--out", out.toString(), "--quiet");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).contains("flowpp on fashion-mnist: steps 0 to 3", "held-out NLL");
    try (FlowModel model = FlowModel.load(out.resolve("saved_model"))) {
      assertThat(model.spec()).isEqualTo(ModelPreset.FLOWPP.build(Shape.of(28, 28, 1), 8, 1));
      assertThat(model.spec().dequantization()).isInstanceOf(VariationalDequantization.class);
      float[] images = new float[2 * 28 * 28];
      float elbo = model.logProb(images, 2)[0];
      float weighted = model.logProbImportanceWeighted(images, 2, ImportanceSamples.of(4))[0];
      assertThat(elbo).isFinite();
      assertThat(weighted).as("importance-weighted vs one draw").isGreaterThan(elbo);
    }
  }

  private static double nats(String evalOutput) {
    java.util.regex.Matcher matcher =
        java.util.regex.Pattern.compile("held-out NLL ([0-9.]+) nats").matcher(evalOutput);
    assertThat(matcher.find()).as(evalOutput).isTrue();
    return Double.parseDouble(matcher.group(1));
  }

  @Test
  void fashionMnistInAFolderWithoutItsFilesNamesTheFileAndExitsWithTwo() {
    Path missing = dir.resolve("no-data-here");

    Cli.Result result = Cli.run("train", "--data", "fashion-mnist", "--data-dir", missing.toString(),
        "--out", dir.resolve("run").toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).startsWith("error: ").contains(missing.toString(), "apt-get");
    assertThat(result.err().lines()).as("no stack trace").hasSize(1);
  }

  @Test
  void aBatchLargerThanTheTrainLimitIsRefused() {
    Cli.Result result = Cli.run("train", "--data", "fashion-mnist", "--train-limit", "8", "--batch", "16",
        "--out", dir.resolve("run").toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains("--batch 16 is larger than --train-limit 8");
  }

  @Test
  void aRunThatDivergesEndsWithItsMessageAndExitCodeOne() {
    Cli.Result result = Cli.run(tinyTrain("--lr", "1e8", "--steps", "50", "--out", dir.resolve("run").toString(),
        "--quiet"));

    assertThat(result.exitCode()).isEqualTo(ExitCodes.FAILED);
    assertThat(result.err().lines().filter(line -> line.startsWith("warning: a batch after step ")))
        .as("each skipped batch is reported, naming the layer").isNotEmpty()
        .allMatch(line -> line.contains("not finite, first in steps["));
    assertThat(result.err()).contains("error: training stopped: 10 consecutive steps had a non-finite loss");
  }

  @Test
  void aDepthTheDataCannotTakeNamesTheOptionsAndTheBrokenStep() {
    Cli.Result result = Cli.run("train", "--data", "fashion-mnist", "--depth", "4", "--out",
        dir.resolve("run").toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).startsWith("error: --model realnvp with --depth 4 (levels) does not fit data of shape "
        + "[28, 28, 1]: Invalid flow spec").contains("(squeeze): height and width must be divisible");
    assertThat(dir.resolve("run")).as("nothing is written before the inputs are checked").doesNotExist();
  }
}
