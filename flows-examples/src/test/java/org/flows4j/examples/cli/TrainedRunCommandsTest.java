package org.flows4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.flows4j.tf.export.FlowModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code eval}, {@code sample} and {@code export} on one tiny model trained once for the class. */
class TrainedRunCommandsTest {
  @TempDir static Path dir;
  private static Path run;
  private static String trainSummary;

  @BeforeAll
  static void trainATinyModel() {
    run = dir.resolve("rings");
    Cli.Result result = Cli.run("train", "--data", "rings", "--steps", "12", "--width", "8", "--depth", "2",
        "--out", run.toString(), "--quiet");
    assertThat(result.exitCode()).as(result.toString()).isZero();
    trainSummary = result.out();
  }

  @Test
  void evalReportsTheHeldOutFigureTrainingEndedWith() {
    Cli.Result result = Cli.run("eval", "--out", run.toString());

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).startsWith(run.resolve("saved_model") + " on rings: held-out NLL ")
        .endsWith(" bits/dim (mean over 5000 points)\n");
    // Same held-out points, same weights: the SavedModel agrees with the trainer's own evaluation.
    assertThat(nats(result.out())).isCloseTo(nats(trainSummary), org.assertj.core.data.Offset.offset(1e-3));
  }

  @Test
  void evalOnDataOfAnotherShapeIsRefused() {
    Cli.Result result = Cli.run("eval", "--out", run.toString(), "--data", "fashion-mnist");

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains("takes examples of shape [2], but --data fashion-mnist has shape "
        + "[28, 28, 1]");
  }

  @Test
  void evalWithoutAnExportedModelSaysHowToMakeOne() {
    Cli.Result result = Cli.run("eval", "--out", dir.resolve("nothing").toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains("there is no exported model in", "flows export --out");
  }

  @Test
  void sampleWritesTheDensityAndSamplesPicture() throws Exception {
    Path png = dir.resolve("pictures/rings.png");

    Cli.Result result = Cli.run("sample", "--out", run.toString(), "--n", "300", "--temperature", "0.7",
        "--seed", "3", "--png", png.toString());

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).isEqualTo("wrote 300 samples at temperature 0.7 (seed 3) to " + png + "\n");
    BufferedImage image = Images.read(png);
    assertThat(image.getWidth()).isBetween(800, 1100);
    assertThat(image.getHeight()).isBetween(400, 600);
  }

  @Test
  void exportRebuildsTheSavedModelFromTheNewestCheckpoint() throws Exception {
    Path copy = dir.resolve("rings-copy");
    copyTree(run, copy);
    float before = logProbAtOrigin(copy);
    deleteTree(copy.resolve("saved_model"));

    Cli.Result result = Cli.run("export", "--out", copy.toString());

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).isEqualTo("exported the weights of step 12 to " + copy.resolve("saved_model") + "\n");
    assertThat(logProbAtOrigin(copy)).isEqualTo(before);
  }

  @Test
  void exportWithoutCheckpointsSaysWhatIsMissing() {
    Cli.Result result = Cli.run("export", "--out", dir.resolve("nothing").toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).contains("there is no checkpoint in");
  }

  private static float logProbAtOrigin(Path runDirectory) {
    try (FlowModel model = FlowModel.load(runDirectory.resolve("saved_model"))) {
      return model.logProb(new float[] {0f, 0f}, 1)[0];
    }
  }

  private static double nats(String output) {
    Matcher matcher = Pattern.compile("held-out NLL (\\S+) nats").matcher(output);
    assertThat(matcher.find()).as(output).isTrue();
    return Double.parseDouble(matcher.group(1));
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path source : walk.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws Exception {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
