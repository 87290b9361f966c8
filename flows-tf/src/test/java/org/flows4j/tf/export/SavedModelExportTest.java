package org.flows4j.tf.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.flows4j.tf.ImportanceSamples;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.api.Flows;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.Mask;
import org.flows4j.api.transform.Transforms;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SavedModelExportTest {

  @Test
  void twoDimensionalFlowRoundTripsThroughASavedModel(@TempDir Path dir) throws Exception {
    FlowSpec spec = Presets.realNvp(Shape.of(2)).couplings(4).width(16).build();
    float[] x = ToyDensity.MOONS.sampleFlat(50, new SplittableRandom(1));
    Path export = dir.resolve("model");
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().emaDecay(0.9).seed(1).build())) {
      for (int i = 0; i < 20; i++) {
        trainer.step(ToyDensity.MOONS.sampleFlat(64, new SplittableRandom(100 + i)), 64);
      }
      trainer.exportSavedModel(export);
      double expectedMean = trainer.evaluate(x, 50).negativeLogLikelihood();
      try (FlowModel model = FlowModel.load(export)) {
        assertThat(model.spec()).isEqualTo(spec);
        float[] logProb = model.logProb(x, 50);
        double mean = 0;
        for (float v : logProb) {
          mean -= v / 50.0;
        }
        // The export carries the EMA weights, which is also what evaluate() uses.
        assertThat(mean).isCloseTo(expectedMean, within(1e-4));
        float[] back = model.decode(model.encode(x, 50), 50);
        for (int i = 0; i < x.length; i++) {
          assertThat(back[i]).isCloseTo(x[i], within(1e-4f));
        }
        float[] samples = model.sample(10, 0.8, 3);
        assertThat(samples).hasSize(20).containsExactly(model.sample(10, 0.8, 3));
        assertThat(model.sample(10, 0.8, 4)).isNotEqualTo(samples);

        List<Integer> here = new ArrayList<>();
        for (float v : logProb) {
          here.add(Float.floatToIntBits(v));
        }
        assertThat(logProbInFreshJvm(export, x, dir)).isEqualTo(here);
      }
    }
    assertThat(Files.readString(export.resolve(Signatures.SPEC_ASSET))).isEqualTo(FlowSpecJson.toJson(spec));
  }

  /**
   * Spline couplings and MAF / IAF spline steps, trained a little on two moons: the exported log_prob is the
   * trainer's, decode inverts encode, sampling is reproducible, and the spec (with its splines) comes back.
   */
  @Test
  void splineFlowsTrainAndRoundTripThroughASavedModel(@TempDir Path dir) {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(1, step -> step.actNorm().splineCoupling(Conditioners.mlp(16))
            .maf(AutoregressiveOrder.natural(), Conditioners.mlp(8), Transforms.spline().bins(5))
            .iaf(AutoregressiveOrder.reversed(), Conditioners.mlp(8), Transforms.spline())
            .splineCoupling(Mask.HALF_FLIPPED, Conditioners.mlp(16), Transforms.spline().bound(2)))
        .build();
    int n = 64;
    float[] x = ToyDensity.MOONS.sampleFlat(n, new SplittableRandom(1));
    Path export = dir.resolve("nsf");
    double expectedMean;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().learningRate(1e-2).seed(2).build())) {
      for (int i = 0; i < 20; i++) {
        trainer.step(ToyDensity.MOONS.sampleFlat(64, new SplittableRandom(200 + i)), 64);
      }
      trainer.exportSavedModel(export);
      expectedMean = trainer.evaluate(x, n).negativeLogLikelihood();
    }
    assertReloadedModelMatches(export, spec, x, n, expectedMean, 1e-4f);
  }

  /**
   * Residual blocks are calls of shared TF functions (with the series loop and the fixed-point inverse inside): a
   * residual flow trained a few steps exports, reloads, and its log_prob (exact log-det) is the trainer's, decode
   * inverts encode, and sampling is reproducible.
   */
  @Test
  void residualFlowsTrainAndRoundTripThroughASavedModel(@TempDir Path dir) {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(2, step -> step.residualBlock(b -> b.branch(new LipschitzMlp(List.of(16)))
            .logDet(LogDet.russianRoulette(0.5)).evaluationLogDet(LogDet.exact())))
        .build();
    int n = 64;
    float[] x = ToyDensity.MOONS.sampleFlat(n, new SplittableRandom(1));
    Path export = dir.resolve("residual");
    double expectedMean;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().learningRate(1e-2).seed(3).build())) {
      double first = trainer.evaluate(x, n).negativeLogLikelihood();
      for (int i = 0; i < 30; i++) {
        trainer.step(ToyDensity.MOONS.sampleFlat(128, new SplittableRandom(300 + i)), 128);
      }
      trainer.exportSavedModel(export);
      expectedMean = trainer.evaluate(x, n).negativeLogLikelihood();
      assertThat(expectedMean).as("NLL after 30 steps vs before").isLessThan(first);
    }
    assertReloadedModelMatches(export, spec, x, n, expectedMean, 1e-3f);
  }

  /** The emerging convolution's inverse (block solves) and the periodic one must survive export like the dense ops. */
  @Test
  void emergingAndPeriodicConvolutionsTrainAndRoundTripThroughASavedModel(@TempDir Path dir) {
    Shape shape = Shape.of(4, 4, 2);
    FlowSpec spec = Flows.sequential(shape)
        .steps(2, step -> step.actNorm().emergingConv(3).periodicConv(3))
        .build();
    int n = 8;
    float[] x = new float[n * shape.size()];
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    Path export = dir.resolve("conv");
    double expectedMean;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(3).build())) {
      for (int i = 0; i < 3; i++) {
        trainer.step(x, n);
      }
      trainer.exportSavedModel(export);
      expectedMean = trainer.evaluate(x, n).negativeLogLikelihood();
    }
    try (FlowModel model = FlowModel.load(export)) {
      assertThat(-mean(model.logProb(x, n))).isCloseTo(expectedMean, within(1e-3));
      float[] back = model.decode(model.encode(x, n), n);
      for (int i = 0; i < x.length; i++) {
        assertThat(back[i]).isCloseTo(x[i], within(1e-4f));
      }
      assertThat(model.sample(3, 1.0, 1)).hasSize(3 * shape.size());
    }
  }

  /**
   * Flow++ with variational dequantization: the export's one-draw bound and importance-weighted bound are the
   * trainer's (the same noise seeds), and decode inverts encode through the bisection loops.
   */
  @Test
  void flowPlusPlusExportsBothBoundsOfItsLearnedDequantization(@TempDir Path dir) {
    Shape shape = Shape.of(4, 4, 1);
    FlowSpec spec = Presets.flowPlusPlus(shape).width(8).blocks(1).heads(2).components(3).build();
    int n = 8;
    float[] pixels = new float[n * shape.size()];
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt(256);
    }
    Path export = dir.resolve("flowpp");
    double expectedBound;
    double expectedWeighted;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(5).build())) {
      for (int i = 0; i < 3; i++) {
        trainer.step(pixels, n);
      }
      trainer.exportSavedModel(export);
      expectedBound = trainer.evaluate(pixels, n).negativeLogLikelihood();
      expectedWeighted = trainer.evaluate(pixels, n, ImportanceSamples.of(4)).negativeLogLikelihood();
    }
    try (FlowModel model = FlowModel.load(export)) {
      assertThat(model.spec()).isEqualTo(spec);
      assertThat(-mean(model.logProb(pixels, n))).isCloseTo(expectedBound, within(2e-3));
      assertThat(-mean(model.logProbImportanceWeighted(pixels, n, ImportanceSamples.of(4)))).isCloseTo(expectedWeighted, within(2e-3));
      assertThat(expectedWeighted).isLessThan(expectedBound);
      float[] back = model.decode(model.encode(pixels, n), n);
      for (int i = 0; i < pixels.length; i++) {
        assertThat(back[i]).isCloseTo(pixels[i], within(1e-2f));
      }
    }
  }

  private static double mean(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  /** MAF's pixel-by-pixel inverse on images is a StatelessWhile loop too: decode and sample must run after export. */
  @Test
  void pixelCnnMafTrainsAndRoundTripsThroughASavedModel(@TempDir Path dir) {
    Shape shape = Shape.of(5, 4, 2);
    FlowSpec spec = Flows.sequential(shape)
        .steps(1, step -> step.actNorm().maf(Conditioners.pixelCnn(8).layers(2))
            .maf(AutoregressiveOrder.reversed(), Conditioners.pixelCnn(8).layers(1)))
        .build();
    int n = 8;
    float[] x = new float[n * shape.size()];
    SplittableRandom random = new SplittableRandom(6);
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    Path export = dir.resolve("pixelcnn");
    double expectedMean;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(4).build())) {
      for (int i = 0; i < 3; i++) {
        trainer.step(x, n);
      }
      trainer.exportSavedModel(export);
      expectedMean = trainer.evaluate(x, n).negativeLogLikelihood();
    }
    try (FlowModel model = FlowModel.load(export)) {
      assertThat(model.spec()).isEqualTo(spec);
      assertThat(-mean(model.logProb(x, n))).isCloseTo(expectedMean, within(1e-3));
      float[] latent = model.encode(x, n);
      float[] back = model.decode(latent, n);
      double moved = 0;
      for (int i = 0; i < x.length; i++) {
        assertThat(back[i]).isCloseTo(x[i], within(1e-4f));
        moved = Math.max(moved, Math.abs(latent[i] - x[i]));
      }
      assertThat(moved).as("|z - x|: the flow is not the identity").isGreaterThan(0.1);
      assertThat(model.sample(3, 1.0, 1)).hasSize(3 * shape.size()).containsExactly(model.sample(3, 1.0, 1));
    }
  }

  @Test
  void dequantizedImageFlowExportsAllSignatures(@TempDir Path dir) {
    FlowSpec spec = Presets.glow(Shape.of(4, 4, 1)).levels(2).stepsPerLevel(1).width(8).build();
    float[] pixels = new float[6 * 16];
    SplittableRandom random = new SplittableRandom(2);
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt(256);
    }
    Path export = dir.resolve("glow");
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(2).build())) {
      trainer.step(pixels, 6);
      trainer.exportSavedModel(export);
    }
    try (FlowModel model = FlowModel.load(export)) {
      float[] bitsPerDim = model.bitsPerDim(pixels, 6);
      float[] logProb = model.logProb(pixels, 6);
      for (int i = 0; i < 6; i++) {
        assertThat((double) bitsPerDim[i]).isCloseTo(-logProb[i] / (16 * Math.log(2)), within(1e-4));
        assertThat(bitsPerDim[i]).isBetween(1f, 20f);
      }
      assertThat(model.logProb(pixels, 6)).containsExactly(logProb);
      float[] decoded = model.decode(model.encode(pixels, 6), 6);
      for (int i = 0; i < pixels.length; i++) {
        assertThat(decoded[i]).isCloseTo(pixels[i], within(0.05f));
      }
      float[] samples = model.sample(4, 1.0, 9);
      assertThat(samples).hasSize(64);
      for (float v : samples) {
        assertThat(v).isBetween(0f, 255f);
        assertThat(v).isEqualTo((float) Math.floor(v));
      }
    }
  }

  @Test
  void loadingSomethingElseSaysWhatIsMissing(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> FlowModel.load(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no SavedModel in " + dir + " (saved_model.pb is missing). Export one with `flows export` or "
            + "Trainer.exportSavedModel.");
  }

  private static List<Integer> logProbInFreshJvm(Path export, float[] x, Path dir) throws Exception {
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < x.length; i++) {
      csv.append(i == 0 ? "" : ",").append(x[i]);
    }
    Path input = dir.resolve("x.csv");
    Files.writeString(input, csv);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        PrintLogProb.class.getName(), export.toString(), input.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    String output = new String(process.getInputStream().readAllBytes());
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("child JVM output: %s", output).isZero();
    List<Integer> bits = new ArrayList<>();
    for (String line : output.split("\n")) {
      if (line.startsWith("LOGPROB")) {
        for (String token : line.substring("LOGPROB".length()).trim().split(" ")) {
          bits.add(Integer.parseInt(token));
        }
      }
    }
    return bits;
  }

  /**
   * The SavedModel at {@code export} reloads with {@code spec}, its mean NLL on {@code x} is the trainer's
   * {@code expectedMean} (to 1e-4), decode inverts encode to {@code decodeTolerance}, and sampling is reproducible.
   */
  private static void assertReloadedModelMatches(Path export, FlowSpec spec, float[] x, int n, double expectedMean,
      float decodeTolerance) {
    try (FlowModel model = FlowModel.load(export)) {
      assertThat(model.spec()).isEqualTo(spec);
      assertThat(-mean(model.logProb(x, n))).isCloseTo(expectedMean, within(1e-4));
      float[] back = model.decode(model.encode(x, n), n);
      for (int i = 0; i < x.length; i++) {
        assertThat(back[i]).isCloseTo(x[i], within(decodeTolerance));
      }
      assertThat(model.sample(5, 1.0, 1)).hasSize(10).containsExactly(model.sample(5, 1.0, 1));
    }
  }
}
