package org.flows4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.api.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  @TempDir Path dir;

  @Test
  void listsEveryStepWithShapesParametersAndKinds() {
    Cli.Result result = Cli.run("inspect", "--model", "realnvp", "--data", "moons", "--width", "8", "--depth",
        "2");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    // Per coupling: mlp(8, 8) from the 1 kept coordinate to a scale and a shift for the other: (1·8 + 8) +
    // (8·8 + 8) + (8·2 + 2) = 106. Per actNorm: a scale and a shift per coordinate = 4.
    assertThat(result.out()).isEqualTo("""
        realnvp for moons, input [2]:
        #  location  step            input -> output  params  log-det   inverse
        0  steps[0]  actNorm         [2] -> [2]            4  constant  analytic
        1  steps[1]  affineCoupling  [2] -> [2]          106  exact     analytic
        2  steps[2]  actNorm         [2] -> [2]            4  constant  analytic
        3  steps[3]  affineCoupling  [2] -> [2]          106  exact     analytic
        total: 4 steps, 220 trainable parameters
        log-det: 2 exact, 2 constant; inverse: 4 analytic
        latent: [2] reaches the base StandardNormal
        """);
  }

  /** A conditional flow's table says what its context is and counts the context embedding's parameters. */
  @Test
  void aConditionalFlowShowsItsContext() {
    Cli.Result labelled = Cli.run("inspect", "--data", "8gaussians-labelled", "--width", "8", "--depth", "2");

    assertThat(labelled.exitCode()).as(labelled.toString()).isZero();
    // Per coupling: mlp(8, 8) reads the kept coordinate and the 8 condition features: (9·8 + 8) + (8·8 + 8) +
    // (8·2 + 2) = 170. The embedding: 8 classes × 8 features = 64.
    assertThat(labelled.out()).isEqualTo("""
        realnvp for 8gaussians-labelled, input [2]:
        #  location  step            input -> output  params  log-det   inverse
        0  steps[0]  actNorm         [2] -> [2]            4  constant  analytic
        1  steps[1]  affineCoupling  [2] -> [2]          170  exact     analytic
        2  steps[2]  actNorm         [2] -> [2]            4  constant  analytic
        3  steps[3]  affineCoupling  [2] -> [2]          170  exact     analytic
        total: 4 steps, 412 trainable parameters (348 in the steps, 64 in the context embedding)
        context: class label of 8 classes, embedded in 8 features; 8 condition features reach every step's network
        log-det: 2 exact, 2 constant; inverse: 4 analytic
        latent: [2] reaches the base StandardNormal
        """);

    Cli.Result ring = Cli.run("inspect", "--model", "resflow", "--data", "ring-radius", "--width", "8", "--depth",
        "1");
    assertThat(ring.exitCode()).as(ring.toString()).isZero();
    assertThat(ring.out()).contains("0  steps[0]  residualBlock  [2] -> [2]")
        .contains("context: 1 feature; 1 condition feature reaches every step's network\n");

    Cli.Result fashion = Cli.run("inspect", "--model", "glow", "--data", "fashion-mnist", "--conditional",
        "--width", "8", "--depth", "1");
    assertThat(fashion.exitCode()).as(fashion.toString()).isZero();
    assertThat(fashion.out()).contains("160 in the context embedding")
        .contains("context: class label of 10 classes, embedded in 16 features; 16 condition features reach every "
            + "step's network\n");

    Cli.Result plain = Cli.run("inspect", "--model", "glow", "--data", "fashion-mnist", "--width", "8", "--depth",
        "1");
    assertThat(plain.out()).doesNotContain("context");
  }

  @Test
  void conditionalNeedsDataWithAContextAndNoSpec() {
    Cli.Result moons = Cli.run("inspect", "--data", "moons", "--conditional");
    assertThat(moons.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(moons.err()).contains("--conditional needs data with a context, but moons has none.");
    Cli.Result withSpec = Cli.run("inspect", "--spec", dir.resolve("spec.json").toString(), "--conditional");
    assertThat(withSpec.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(withSpec.err()).contains("--spec gives the whole flow; drop --model, --data, --conditional, --width "
        + "and --depth");
  }

  @Test
  void nsfIsSplineCouplingsBetweenLuLinearLayersOnVectorsAndGlowsLayoutOnImages() {
    Cli.Result vectors = Cli.run("inspect", "--model", "nsf", "--data", "moons", "--width", "8", "--depth", "2");

    assertThat(vectors.exitCode()).as(vectors.toString()).isZero();
    // Per spline coupling: mlp(8, 8) from the 1 kept coordinate to 3·8 − 1 = 23 spline parameters for the other:
    // (1·8 + 8) + (8·8 + 8) + (8·23 + 23) = 295.
    assertThat(vectors.out())
        .startsWith("nsf for moons, input [2]:")
        .containsPattern("steps\\[2\\] +coupling +\\[2\\] -> \\[2\\] +295 +exact +analytic")
        .containsPattern("steps\\[6\\] +invertibleConv1x1")
        .contains("total: 7 steps");
    Cli.Result images = Cli.run("inspect", "--model", "nsf", "--data", "fashion-mnist", "--width", "8",
        "--depth", "1");
    assertThat(images.exitCode()).as(images.toString()).isZero();
    assertThat(images.out()).contains("levels[0].steps[0]  squeeze", "coupling", "[14, 14, 4] -> [14, 14, 4]");
  }

  @Test
  void showsTheLevelsAndShapesOfAMultiscaleImageModel() {
    Cli.Result result = Cli.run("inspect", "--model", "glow", "--data", "fashion-mnist", "--width", "8",
        "--depth", "1");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains("levels[0].steps[0]  squeeze", "[28, 28, 1] -> [14, 14, 4]")
        .contains("levels[1].steps[0]  squeeze", "[14, 14, 2] -> [7, 7, 8]")
        .contains("invertibleConv1x1", "zero")
        .contains("after the factor-outs");
  }

  @Test
  void countsTheDequantizationFlowOfFlowPlusPlusApart() {
    Cli.Result result = Cli.run("inspect", "--model", "flowpp", "--data", "fashion-mnist", "--width", "8");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains("mixtureLogisticsCoupling", "[28, 28, 1] -> [14, 14, 4]")
        .containsPattern("total: 24 steps, [0-9,]+ trainable parameters \\([0-9,]+ in the steps, [0-9,]+ in the "
            + "dequantization flow q\\(u \\| x\\) of 8 steps\\)")
        .doesNotContain("base distribution");
  }

  @Test
  void readsASpecFileAsTheSameTable() throws Exception {
    Path file = dir.resolve("spec.json");
    Files.writeString(file, FlowSpecJson.toJson(ModelPreset.NICE.build(Shape.of(2), 8, 2)),
        StandardCharsets.UTF_8);

    Cli.Result fromFile = Cli.run("inspect", "--spec", file.toString());
    Cli.Result fromPreset = Cli.run("inspect", "--model", "nice", "--width", "8", "--depth", "2");

    assertThat(fromFile.exitCode()).as(fromFile.toString()).isZero();
    assertThat(fromFile.out()).startsWith(file + ", input [2]:\n");
    assertThat(body(fromFile.out())).isEqualTo(body(fromPreset.out()));
    assertThat(fromFile.out()).contains("additiveCoupling", "zero", "StandardLogistic");
  }

  @Test
  void aBrokenSpecFileIsReportedWithItsName() throws Exception {
    Path file = dir.resolve("broken.json");
    Files.writeString(file, "{\"inputShape\": [2]", StandardCharsets.UTF_8);

    Cli.Result result = Cli.run("inspect", "--spec", file.toString());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).startsWith("error: --spec " + file + ": ");
  }

  private static String body(String output) {
    return output.substring(output.indexOf('\n') + 1);
  }
}
