package org.flows4j.examples.cli;

import java.util.SplittableRandom;
import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flows4j.api.Shape;
import org.flows4j.api.context.Contexts;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.data.LabelledEightGaussians;
import org.flows4j.tf.export.FlowModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flows train / eval / sample} on data with a context: the labelled 8 Gaussians, the radius-indexed ring
 * and class-conditional Fashion-MNIST. Each run is short; the assertions are about what the outputs hold and that
 * the context conditions the model, with the margins stated at each.
 */
class ConditionalCommandsTest {
  @TempDir Path dir;

  @Test
  void labelledGaussiansTrainConditionallyAndEachClassSamplesAroundItsCentre() throws Exception {
    Path out = dir.resolve("labelled");

    Cli.Result result = Cli.run("train", "--data", "8gaussians-labelled", "--width", "32", "--depth", "4",
        "--steps", "200", "--eval-every", "200", "--out", out.toString(), "--quiet");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).contains("realnvp on 8gaussians-labelled: steps 0 to 200", "(a row per context)");
    assertThat(Files.readString(out.resolve("run.json"))).contains("\"conditional\" : true");
    BufferedImage samples = Images.read(out.resolve("samples.png"));
    assertThat(samples.getWidth()).as("density and samples side by side").isBetween(800, 1100);
    assertThat(samples.getHeight()).as("one row per class").isBetween(8 * 400, 8 * 600);

    LabelledEightGaussians density = new LabelledEightGaussians();
    ConditionalBatch test = density.sample(1000, new SplittableRandom(5));
    try (FlowModel model = FlowModel.load(out.resolve("saved_model"))) {
      assertThat(model.spec()).isEqualTo(ModelPreset.REALNVP.build(Shape.of(2), 32, 4)
          .withContext(Contexts.classes(8).embedding(8)));
      // Samples follow their class: the mean of 500 draws given class k lies within 0.6 of centre k (the centres
      // are 2.16 apart, so no mean is near another class's centre).
      for (int k = 0; k < 8; k++) {
        float[] drawn = model.sample(500, RunPictures.repeat(new float[] {k}, 500), 1.0, 3);
        double[] centre = LabelledEightGaussians.centre(k);
        assertThat(mean(drawn, 0)).as("class %d, x", k).isCloseTo(centre[0], org.assertj.core.api.Assertions.within(0.6));
        assertThat(mean(drawn, 1)).as("class %d, y", k).isCloseTo(centre[1], org.assertj.core.api.Assertions.within(0.6));
      }
      // Held out, the true class explains x far better than the next one round the ring: exactly, the gap is
      // about 18 nats (centres 2.16 apart, σ 0.35); the test asks for 5.
      float[] shifted = new float[test.size()];
      for (int i = 0; i < test.size(); i++) {
        shifted[i] = (test.context()[i] + 1) % 8;
      }
      double trueClass = average(model.logProb(test.x(), test.context(), test.size()));
      double nextClass = average(model.logProb(test.x(), shifted, test.size()));
      System.out.printf("8gaussians-labelled: held-out log p(x | true c) %.3f, log p(x | next c) %.3f%n",
          trueClass, nextClass);
      assertThat(trueClass - nextClass).isGreaterThan(5.0);
    }

    Cli.Result eval = Cli.run("eval", "--out", out.toString(), "--limit", "1000");
    assertThat(eval.exitCode()).as(eval.toString()).isZero();
    assertThat(eval.out()).contains(" on 8gaussians-labelled: held-out NLL ",
        "(mean over 1000 points, given each example's context)");

    Path png = dir.resolve("class3.png");
    Cli.Result sample = Cli.run("sample", "--out", out.toString(), "--class", "3", "--n", "500", "--png",
        png.toString());
    assertThat(sample.exitCode()).as(sample.toString()).isZero();
    assertThat(sample.out()).contains("wrote 500 samples for each of class 3");
    assertThat(Images.read(png).getHeight()).as("one row: class 3 alone").isBetween(400, 600);

    Cli.Result badClass = Cli.run("sample", "--out", out.toString(), "--class", "8");
    assertThat(badClass.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(badClass.err()).contains("--class must be a class of 8gaussians-labelled, 0 to 7, but was 8");
  }

  @Test
  void ringRadiusDrawsARowPerRadiusAndRefusesAClass() throws Exception {
    Path out = dir.resolve("ring");

    Cli.Result result = Cli.run("train", "--data", "ring-radius", "--width", "8", "--depth", "2", "--steps", "5",
        "--out", out.toString(), "--quiet");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(Images.read(out.resolve("samples.png")).getHeight()).as("radii 1, 1.5, 2, 2.5, 3")
        .isBetween(5 * 400, 5 * 600);
    try (FlowModel model = FlowModel.load(out.resolve("saved_model"))) {
      assertThat(model.spec().context()).isEqualTo(Contexts.features(1));
    }
    Cli.Result withClass = Cli.run("sample", "--out", out.toString(), "--class", "1");
    assertThat(withClass.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(withClass.err()).contains("--class picks a class label, but ring-radius is indexed by a continuous "
        + "parameter, not a class. Drop --class");
  }

  @Test
  void conditionalNeedsDataWithAContext() {
    Cli.Result moons = Cli.run("train", "--data", "moons", "--conditional", "--out", dir.resolve("a").toString());
    assertThat(moons.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(moons.err()).contains("--conditional needs data with a context, but moons has none. Use --data "
        + "fashion-mnist (its class labels), 8gaussians-labelled or ring-radius.");
  }

  @Test
  void anUnconditionalModelRefusesAClass() {
    Path out = dir.resolve("moons");
    assertThat(Cli.run("train", "--width", "8", "--depth", "2", "--steps", "2", "--out", out.toString(),
        "--quiet").exitCode()).isZero();
    Cli.Result sample = Cli.run("sample", "--out", out.toString(), "--class", "1");
    assertThat(sample.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(sample.err()).contains("--class picks the class a conditional model draws, but the model in "
        + out + " is unconditional. Drop --class, or train one with --conditional.");
  }

  /**
   * The class-conditional Fashion-MNIST path end to end at the smallest size (64 images, 3 steps): the run records
   * its context, the sample grid has a row of 8 per class, {@code eval} scores {@code -log p(x | c)} and
   * {@code sample --class K} draws class K alone.
   */
  @Test
  void classConditionalFashionMnistWritesARowPerClassAndSamplesOneClass() throws Exception {
    Path out = dir.resolve("tiny-fashion");

    Cli.Result result = Cli.run("train", "--data", "fashion-mnist", "--conditional", "--train-limit", "64",
        "--steps", "3", "--batch", "16", "--width", "4", "--depth", "1", "--out", out.toString(), "--quiet");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).contains("(a row per class at temperature 0.7)");
    assertThat(Files.readString(out.resolve("run.json"))).contains("\"conditional\" : true");
    BufferedImage grid = Images.read(out.resolve("samples.png"));
    // 10 rows of 8: 8·56 + 9·2 = 466 wide, 10·56 + 11·2 = 582 high.
    assertThat(grid.getWidth()).isEqualTo(466);
    assertThat(grid.getHeight()).isEqualTo(582);
    try (FlowModel model = FlowModel.load(out.resolve("saved_model"))) {
      assertThat(model.spec().context()).isEqualTo(Contexts.classes(10));
    }

    Cli.Result eval = Cli.run("eval", "--out", out.toString(), "--limit", "50");
    assertThat(eval.exitCode()).as(eval.toString()).isZero();
    assertThat(eval.out()).contains("(mean over 50 test images, given each example's context)");

    Path png = dir.resolve("sneakers.png");
    Cli.Result sample = Cli.run("sample", "--out", out.toString(), "--class", "7", "--n", "16", "--png",
        png.toString());
    assertThat(sample.exitCode()).as(sample.toString()).isZero();
    assertThat(sample.out()).contains("for each of 7 Sneaker");
    // 16 cells of class 7, 4 per row: 4·56 + 5·2 = 234 square.
    assertThat(Images.read(png).getWidth()).isEqualTo(234);
    assertThat(Images.read(png).getHeight()).isEqualTo(234);
  }

  private static double mean(float[] pairs, int coordinate) {
    double sum = 0;
    for (int i = 0; i < pairs.length / 2; i++) {
      sum += pairs[2 * i + coordinate];
    }
    return sum / (pairs.length / 2);
  }

  private static double average(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    return sum / values.length;
  }
}
