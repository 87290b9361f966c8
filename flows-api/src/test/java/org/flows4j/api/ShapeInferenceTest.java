package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.base.Bases;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.residual.ExactLogDet;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.Squeeze;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.MaskedAutoregressive;
import org.junit.jupiter.api.Test;

/** {@link Flows#shapes}: the input shape of every step, then the final shape. */
class ShapeInferenceTest {

  @Test
  void glowOnMnistWithTwoLevelsEndsAtSevenBySevenByEight() {
    FlowSpec glow = Presets.glow(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(3).width(64).build();
    ImmutableList<Shape> shapes = Flows.shapes(glow);

    // Per level: squeeze + 3 × (actNorm, 1x1 conv, coupling); a factor-out after the first level only.
    assertThat(glow.levels()).hasSize(2);
    assertThat(glow.levels().get(0).steps()).hasSize(11).endsWith(new FactorOut(FactorOutPrior.LEARNED));
    assertThat(glow.levels().get(1).steps()).hasSize(10).noneMatch(FactorOut.class::isInstance);
    assertThat(shapes).hasSize(glow.steps().size() + 1);
    assertThat(shapes.get(0)).isEqualTo(Shape.of(28, 28, 1));
    assertThat(shapes.get(1)).isEqualTo(Shape.of(14, 14, 4));
    assertThat(shapes.get(10)).isEqualTo(Shape.of(14, 14, 4)); // into the factor-out
    assertThat(shapes.get(11)).isEqualTo(Shape.of(14, 14, 2)); // into the second squeeze
    assertThat(shapes.get(12)).isEqualTo(Shape.of(7, 7, 8));
    assertThat(shapes.get(shapes.size() - 1)).isEqualTo(Shape.of(7, 7, 8));
  }

  @Test
  void emergingOnMnistIsGlowWithAnEmergingConvolutionAfterEachOneByOne() {
    FlowSpec emerging = Presets.emerging(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(3).width(64).build();
    ImmutableList<Shape> shapes = Flows.shapes(emerging);

    // Per level: squeeze + 3 × (actNorm, 1x1 conv, emerging 3×3 conv, coupling); a factor-out after the first level.
    assertThat(emerging.levels()).hasSize(2);
    assertThat(emerging.levels().get(0).steps()).hasSize(14).endsWith(new FactorOut(FactorOutPrior.LEARNED));
    assertThat(emerging.levels().get(1).steps()).hasSize(13).noneMatch(FactorOut.class::isInstance);
    assertThat(emerging.levels().get(0).steps().subList(1, 5)).extracting(step -> step.kind())
        .containsExactly("actNorm", "invertibleConv1x1", "emergingConv", "affineCoupling");
    assertThat(emerging.levels().get(0).steps()).contains(new EmergingConv(3));
    assertThat(shapes).hasSize(emerging.steps().size() + 1);
    assertThat(shapes.get(0)).isEqualTo(Shape.of(28, 28, 1));
    assertThat(shapes.get(1)).isEqualTo(Shape.of(14, 14, 4));
    assertThat(shapes.get(13)).isEqualTo(Shape.of(14, 14, 4)); // into the factor-out
    assertThat(shapes.get(14)).isEqualTo(Shape.of(14, 14, 2)); // into the second squeeze
    assertThat(shapes.get(15)).isEqualTo(Shape.of(7, 7, 8));
    assertThat(shapes.get(shapes.size() - 1)).isEqualTo(Shape.of(7, 7, 8));
  }

  @Test
  void glowOnCifarWithThreeLevels() {
    ImmutableList<Shape> shapes = Flows.shapes(Presets.glow(Shape.of(32, 32, 3)).levels(3).stepsPerLevel(2).width(64).build());
    assertThat(shapes).contains(Shape.of(16, 16, 12), Shape.of(16, 16, 6), Shape.of(8, 8, 24), Shape.of(8, 8, 12));
    assertThat(shapes.get(shapes.size() - 1)).isEqualTo(Shape.of(4, 4, 48));
  }

  @Test
  void realNvpOnImagesFollowsThePaperLevels() {
    FlowSpec realNvp = Presets.realNvp(Shape.of(32, 32, 3)).couplings(3).width(64).build();
    ImmutableList<Shape> shapes = Flows.shapes(realNvp);

    // Levels 0 and 1: 3 × (actNorm, checkerboard), squeeze, 3 × (actNorm, channels), factor-out; level 2: 4 × 2.
    assertThat(realNvp.levels()).extracting(level -> level.steps().size()).containsExactly(14, 14, 8);
    assertThat(realNvp.steps()).filteredOn(Squeeze.class::isInstance).hasSize(2);
    assertThat(shapes).hasSize(37);
    assertThat(shapes.get(6)).isEqualTo(Shape.of(32, 32, 3)); // into the first squeeze
    assertThat(shapes.get(7)).isEqualTo(Shape.of(16, 16, 12));
    assertThat(shapes.get(14)).isEqualTo(Shape.of(16, 16, 6));
    assertThat(shapes.get(21)).isEqualTo(Shape.of(8, 8, 24));
    assertThat(shapes.get(28)).isEqualTo(Shape.of(8, 8, 12));
    assertThat(shapes.get(36)).isEqualTo(Shape.of(8, 8, 12));
  }

  @Test
  void realNvpOnMnistWithTwoLevels() {
    ImmutableList<Shape> shapes = Flows.shapes(Presets.realNvp(Shape.of(28, 28, 1)).couplings(2).width(32).build());
    assertThat(shapes.get(shapes.size() - 1)).isEqualTo(Shape.of(14, 14, 2));
  }

  @Test
  void realNvpOnVectorsKeepsTheShapeAndAlternatesMasks() {
    FlowSpec realNvp = Presets.realNvp(Shape.of(2)).couplings(4).width(64).build();
    assertThat(Flows.shapes(realNvp)).hasSize(9).containsOnly(Shape.of(2));
    assertThat(realNvp.layout()).isEqualTo(Layout.SEQUENTIAL);
    assertThat(realNvp.steps()).extracting(step -> step.kind())
        .containsExactly("actNorm", "affineCoupling", "actNorm", "affineCoupling",
            "actNorm", "affineCoupling", "actNorm", "affineCoupling");
    assertThat(realNvp.steps().toString()).contains("HALF_FLIPPED");
  }

  @Test
  void mafOnVectorsAlternatesWithReverse() {
    FlowSpec maf = Presets.maf(Shape.of(3)).layers(3).width(16).build();
    assertThat(Flows.shapes(maf)).hasSize(7).containsOnly(Shape.of(3));
    assertThat(maf.layout()).isEqualTo(Layout.SEQUENTIAL);
    assertThat(maf.steps()).extracting(step -> step.kind())
        .containsExactly("maf", "reverse", "maf", "reverse", "maf", "reverse");
    assertThat(maf.steps().get(0)).isEqualTo(new MaskedAutoregressive(Conditioners.mlp(16, 16),
        AutoregressiveOrder.natural(), AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0)));
  }

  @Test
  void niceOnVectorsAndImages() {
    FlowSpec vector = Presets.nice(Shape.of(784)).couplings(4).width(1000).build();
    assertThat(Flows.shapes(vector)).hasSize(6).containsOnly(Shape.of(784));
    assertThat(vector.base()).isEqualTo(Bases.standardLogistic());
    assertThat(vector.steps()).extracting(step -> step.kind())
        .containsExactly("additiveCoupling", "additiveCoupling", "additiveCoupling", "additiveCoupling", "actNorm");

    FlowSpec image = Presets.nice(Shape.of(28, 28, 1)).couplings(3).width(32).build();
    assertThat(Flows.shapes(image)).hasSize(5).containsOnly(Shape.of(28, 28, 1));
    assertThat(image.steps().toString()).contains("CHECKERBOARD_FLIPPED");
    assertThat(image.base()).isEqualTo(Bases.standardLogistic());
  }

  @Test
  void factorOutKeepsTheCeilingOfHalfTheFeatures() {
    FlowSpec spec = Flows.sequential(Shape.of(5)).steps(2, step -> step.factorOut()).build();
    assertThat(Flows.shapes(spec)).containsExactly(Shape.of(5), Shape.of(3), Shape.of(2));
  }

  @Test
  void squeezeByThree() {
    FlowSpec spec = Flows.sequential(Shape.of(9, 6, 2)).steps(1, step -> step.squeeze(3)).build();
    assertThat(Flows.shapes(spec)).containsExactly(Shape.of(9, 6, 2), Shape.of(3, 2, 18));
  }

  @Test
  void shapesOfAnInvalidSpecThrowWithTheProblems() {
    FlowSpec invalid = new FlowSpec(Shape.of(3), Layout.SEQUENTIAL,
        ImmutableList.of(new LevelSpec(ImmutableList.of(new Squeeze(2)))), Bases.standardNormal());
    assertThatThrownBy(() -> Flows.shapes(invalid))
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n"
            + "  steps[0] (squeeze): squeeze needs an image input [height, width, channels], but the input is [3].");
  }

  @Test
  void maskFlippingAlternates() {
    assertThat(Mask.CHANNELS.flippedIf(false)).isEqualTo(Mask.CHANNELS);
    assertThat(Mask.CHANNELS.flippedIf(true)).isEqualTo(Mask.CHANNELS_FLIPPED);
    assertThat(Mask.CHANNELS_FLIPPED.flipped()).isEqualTo(Mask.CHANNELS);
  }

  /** {@code train_img.py}'s defaults: no factor-out, ActNorm after every block, 4 fc blocks D → w → w → D. */
  @Test
  void residualFlowOnMnistFollowsTheOfficialImageModel() {
    FlowSpec flow = Presets.residualFlow(Shape.of(28, 28, 1)).blocks(2).width(16).build();
    ImmutableList<Shape> shapes = Flows.shapes(flow);

    assertThat(flow.layout()).isEqualTo(Layout.SEQUENTIAL);
    assertThat(flow.steps()).extracting(step -> step.kind()).containsExactly(
        "actNorm", "residualBlock", "actNorm", "residualBlock", "actNorm",
        "squeeze", "actNorm", "residualBlock", "actNorm", "residualBlock", "actNorm",
        "squeeze", "actNorm", "residualBlock", "actNorm", "residualBlock", "actNorm",
        "residualBlock", "actNorm", "residualBlock", "actNorm", "residualBlock", "actNorm", "residualBlock",
        "actNorm");
    assertThat(flow.steps()).noneMatch(FactorOut.class::isInstance);
    assertThat(shapes.get(5)).isEqualTo(Shape.of(28, 28, 1)); // into the first squeeze
    assertThat(shapes.get(6)).isEqualTo(Shape.of(14, 14, 4));
    assertThat(shapes.get(shapes.size() - 1)).isEqualTo(Shape.of(7, 7, 16));

    List<ResidualBlock> blocks = flow.steps().stream()
        .filter(ResidualBlock.class::isInstance).map(ResidualBlock.class::cast).toList();
    assertThat(blocks).hasSize(10);
    assertThat(blocks.get(0).branch()).as("the data enter without pre-activation")
        .isEqualTo(new LipschitzConvNet(16, false));
    assertThat(blocks.subList(1, 6)).extracting(ResidualBlock::branch).containsOnly(new LipschitzConvNet(16, true));
    assertThat(blocks.subList(6, 10)).extracting(ResidualBlock::branch)
        .containsOnly(new LipschitzMlp(List.of(4, 4), true));
    assertThat(Presets.residualFlow(Shape.of(28, 28, 1)).blocks(2).width(16).fcWidth(8).build().steps().get(17))
        .extracting(step -> ((ResidualBlock) step).branch()).isEqualTo(new LipschitzMlp(List.of(8, 8)));
    assertThat(blocks).allSatisfy(block -> {
      assertThat(block.logDet()).isEqualTo(LogDet.russianRoulettePoisson(2));
      assertThat(block.evaluationLogDet()).isEqualTo(LogDet.russianRoulettePoisson(2).exactTerms(20));
      assertThat(block.lipschitz().coeff()).isEqualTo(0.98);
    });
    assertThat(flow.dequantization()).isEqualTo(Dequantization.uniform(256));
    assertThat(flow.logit()).isEqualTo(LogitTransform.of(0.05));
  }

  @Test
  void residualFlowOnVectorsKeepsTheShapeAndEvaluatesExactlyWhenSmall() {
    FlowSpec flow = Presets.residualFlow(Shape.of(2)).blocks(3).width(32).build();
    assertThat(flow.layout()).isEqualTo(Layout.SEQUENTIAL);
    assertThat(Flows.shapes(flow)).hasSize(4).containsOnly(Shape.of(2));
    // train_toy.py: no ActNorm by default; pre-activated 4 × width MLPs, coeff 0.9, 5 power iterations.
    assertThat(flow.steps()).extracting(step -> step.kind()).containsExactly(
        "residualBlock", "residualBlock", "residualBlock");
    assertThat(flow.dequantization()).isEqualTo(Dequantization.none());
    assertThat(flow.logit()).isEqualTo(LogitTransform.none());
    ResidualBlock block = (ResidualBlock) flow.steps().get(1);
    assertThat(block.branch()).isEqualTo(new LipschitzMlp(List.of(32, 32, 32, 32), true));
    assertThat(block.lipschitz()).isEqualTo(new SpectralNormalization(0.9, 1e-3, 5));
    assertThat(block.logDet()).isEqualTo(LogDet.russianRoulette(0.5));
    assertThat(block.evaluationLogDet()).isEqualTo(LogDet.exact());

    ResidualBlock at64 = (ResidualBlock) Presets.residualFlow(Shape.of(ExactLogDet.MAX_FEATURES)).blocks(1).width(8).build().steps().get(0);
    assertThat(at64.evaluationLogDet()).isEqualTo(LogDet.exact());
    ResidualBlock at65 = (ResidualBlock) Presets.residualFlow(Shape.of(65)).blocks(1).width(8).build().steps().get(0);
    assertThat(at65.evaluationLogDet()).isEqualTo(LogDet.russianRoulette(0.5).exactTerms(20));
  }

  /** The authors' periodic models: a 3×3 periodic convolution where Glow has its 1x1 convolution. */
  @Test
  void periodicPresetReplacesTheOneByOneConvolution() {
    FlowSpec flow = Presets.periodic(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(2).width(16).build();
    assertThat(flow.levels().get(0).steps()).extracting(step -> step.kind()).containsExactly(
        "squeeze", "actNorm", "periodicConv", "affineCoupling", "actNorm", "periodicConv", "affineCoupling",
        "factorOut");
    assertThat(flow.steps()).filteredOn(step -> step.kind().equals("periodicConv"))
        .hasSize(4).allSatisfy(step -> assertThat(step).isEqualTo(new org.flows4j.api.step.PeriodicConv(3)));
    assertThat(Flows.shapes(flow).get(Flows.shapes(flow).size() - 1)).isEqualTo(Shape.of(7, 7, 8));
  }

  /** The official dequantization flow's step: normalisation, pointwise linear map, coupling (RGB images). */
  @Test
  void flowPlusPlusDequantizationStepsHaveTheOfficialStructure() {
    FlowSpec flow = Presets.flowPlusPlus(Shape.of(8, 8, 3)).width(8).blocks(1).heads(2).components(2).build();
    FlowSpec noise = ((org.flows4j.api.data.VariationalDequantization) flow.dequantization()).flow();
    assertThat(noise.steps()).extracting(step -> step.kind()).containsExactly(
        "actNorm", "invertibleConv1x1", "mixtureLogisticsCoupling",
        "actNorm", "invertibleConv1x1", "mixtureLogisticsCoupling",
        "actNorm", "invertibleConv1x1", "mixtureLogisticsCoupling",
        "actNorm", "invertibleConv1x1", "mixtureLogisticsCoupling");
  }
}
