package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.flows4j.api.conditioner.Conditioners.convNet;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.Logit;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.data.UniformDequantization;
import org.flows4j.api.residual.FixedPointInverse;
import org.flows4j.api.residual.GradientMode;
import org.flows4j.api.residual.Inverse;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.ResidualBlockBuilder;
import org.flows4j.api.residual.RussianRoulette;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.residual.TermDistribution;
import org.flows4j.api.residual.TruncatedSeries;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.Mask;
import java.util.List;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A bad single argument throws at the call, naming the argument and echoing the value. Texts are API. */
class BuilderArgumentsTest {

  @ParameterizedTest
  @ValueSource(ints = {0, -1})
  void repetitionCountsMustBePositive(int n) {
    String message = "n must be at least 1, but was " + n;
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(n, step -> step.actNorm()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).stepsIndexed(n, (i, step) -> step.actNorm()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, step -> step.steps(n, s -> s.actNorm())))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).levels(n, level -> level.squeeze()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).levelsIndexed(n, (i, level) -> level.squeeze()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void nullsAreRejectedNamingTheArgument() {
    assertThatThrownBy(() -> Flows.sequential(null))
        .isInstanceOf(NullPointerException.class).hasMessage("inputShape");
    assertThatThrownBy(() -> Flows.multiscale(null))
        .isInstanceOf(NullPointerException.class).hasMessage("inputShape");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, null))
        .isInstanceOf(NullPointerException.class).hasMessage("body");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).stepsIndexed(1, null))
        .isInstanceOf(NullPointerException.class).hasMessage("body");
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).level(null))
        .isInstanceOf(NullPointerException.class).hasMessage("body");
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).levelsIndexed(2, null))
        .isInstanceOf(NullPointerException.class).hasMessage("body");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).base(null))
        .isInstanceOf(NullPointerException.class).hasMessage("base");
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).base(null))
        .isInstanceOf(NullPointerException.class).hasMessage("base");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).dequantize(null))
        .isInstanceOf(NullPointerException.class).hasMessage("dequantization");
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).dequantize(null))
        .isInstanceOf(NullPointerException.class).hasMessage("dequantization");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).add(null))
        .isInstanceOf(NullPointerException.class).hasMessage("step");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, step -> step.affineCoupling(null, mlp(4))))
        .isInstanceOf(NullPointerException.class).hasMessage("mask");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, step -> step.affineCoupling(null)))
        .isInstanceOf(NullPointerException.class).hasMessage("conditioner");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2))
            .steps(1, step -> step.affineCoupling(Mask.HALF, mlp(4), null)))
        .isInstanceOf(NullPointerException.class).hasMessage("scale");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, step -> step.additiveCoupling(null)))
        .isInstanceOf(NullPointerException.class).hasMessage("conditioner");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, step -> step.invertibleConv1x1(null)))
        .isInstanceOf(NullPointerException.class).hasMessage("parameterization");
    assertThatThrownBy(() -> mlp((int[]) null))
        .isInstanceOf(NullPointerException.class).hasMessage("hiddenWidths");
    assertThatThrownBy(() -> FlowSpecJson.toJson(null))
        .isInstanceOf(NullPointerException.class).hasMessage("spec");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(null))
        .isInstanceOf(NullPointerException.class).hasMessage("json");
  }

  @Test
  void badValuesAreEchoed() {
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).level(level -> level.squeeze(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("squeeze factor must be at least 2, but was 1");
    assertThatThrownBy(() -> Shape.of(28, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Shape dimensions must be positive, but dims[1] was 0 in [28, 0, 1]");
    assertThatThrownBy(() -> Shape.of())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("A shape needs at least one dimension, but got []");
    assertThatThrownBy(() -> mlp())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("an mlp conditioner needs at least one hidden width");
    assertThatThrownBy(() -> mlp(64, -3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hidden widths must be positive, but hiddenWidths[1] was -3");
    assertThatThrownBy(() -> convNet(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was 0");
    assertThatThrownBy(() -> convNet(8).kernelSize(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("kernelSize must be a positive odd number (for 'same' padding), but was 4");
    assertThatThrownBy(() -> Conditioners.pixelCnn(0).layers(2))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was 0");
    assertThatThrownBy(() -> Conditioners.pixelCnn(8).layers(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("layers must be at least 1, but was 0");
    for (int kernelSize : new int[] {1, 4, -3}) {
      assertThatThrownBy(() -> Conditioners.pixelCnn(8).layers(2).kernelSize(kernelSize))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("kernelSize must be an odd number of at least 3 (a masked 1x1 convolution sees no earlier "
              + "pixel), but was " + kernelSize);
    }
    assertThatThrownBy(() -> Conditioners.pixelCnn(8).layers(2).activation(null))
        .isInstanceOf(NullPointerException.class).hasMessage("activation");
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(0).blocks(1).heads(1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was 0");
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(8).blocks(0).heads(2))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("blocks must be positive, but was 0");
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(8).blocks(1).heads(-2))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("heads must be positive, but was -2");
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(10).blocks(1).heads(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("width must be divisible by heads (each head gets width / heads channels), but width was 10 "
            + "and heads 4");
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("dropout must be in [0, 1), but was 1.0");
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(-0.1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("dropout must be in [0, 1), but was -0.1");
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("dropout must be in [0, 1), but was NaN");
    assertThatThrownBy(() -> AffineScale.expSoftClamp(-1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("bound must be positive and finite, but was -1.0");
    assertThatThrownBy(() -> AffineScale.expSoftClamp(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bound must be positive and finite, but was Infinity");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 3, 512, 1, -256, 255, 257})
  void dequantizationLevelsMustBeAPowerOfTwoUpTo256(int levels) {
    String message = "levels must be a power of two from 2 to 256 (the n of n-bit data), but was " + levels;
    assertThatThrownBy(() -> Dequantization.uniform(levels))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> new UniformDequantization(levels))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @ParameterizedTest
  @ValueSource(doubles = {-0.1, 0.0, 0.5, 1.0, Double.NaN, Double.NEGATIVE_INFINITY})
  void logitAlphaMustBeInZeroToOneHalf(double alpha) {
    String message = "logit alpha must be in (0, 0.5) so that α + (1 - 2α)·x stays inside (0, 1), but was " + alpha;
    assertThatThrownBy(() -> LogitTransform.of(alpha))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> new Logit(alpha))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    // The builders check at the call, not at build().
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).logit(alpha))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).logit(alpha))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void preprocessingMessagesAreExact() {
    assertThatThrownBy(() -> Dequantization.uniform(3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("levels must be a power of two from 2 to 256 (the n of n-bit data), but was 3");
    assertThatThrownBy(() -> LogitTransform.of(-0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("logit alpha must be in (0, 0.5) so that α + (1 - 2α)·x stays inside (0, 1), but was -0.1");
  }

  @Test
  void presetArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> Presets.glow(Shape.of(784)).levels(2).stepsPerLevel(4).width(64).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("glow needs an image shape [height, width, channels], but the shape was [784]");
    assertThatThrownBy(() -> Presets.glow(Shape.of(28, 28, 1)).levels(0).stepsPerLevel(4).width(64).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("levels must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.glow(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(0).width(64).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("stepsPerLevel must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.glow(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(4).width(-64).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was -64");
    assertThatThrownBy(() -> Presets.glow(null).levels(2).stepsPerLevel(4).width(64).build())
        .isInstanceOf(NullPointerException.class).hasMessage("imageShape");
    assertThatThrownBy(() -> Presets.emerging(Shape.of(784)).levels(2).stepsPerLevel(4).width(64).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("emerging needs an image shape [height, width, channels], but the shape was [784]");
    assertThatThrownBy(() -> Presets.emerging(Shape.of(28, 28, 1)).levels(0).stepsPerLevel(4).width(64).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("levels must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.emerging(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(0).width(64).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("stepsPerLevel must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.emerging(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(4).width(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was 0");
    assertThatThrownBy(() -> Presets.emerging(null).levels(2).stepsPerLevel(4).width(64).build())
        .isInstanceOf(NullPointerException.class).hasMessage("imageShape");
    assertThatThrownBy(() -> Presets.realNvp(Shape.of(2, 3)).couplings(4).width(64).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("realNvp needs a vector [d] or an image [height, width, channels], but the shape was [2, 3]");
    assertThatThrownBy(() -> Presets.realNvp(Shape.of(2)).couplings(0).width(64).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("couplings must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.nice(Shape.of(2)).couplings(4).width(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was 0");
    assertThatThrownBy(() -> Presets.nice(null).couplings(4).width(8).build())
        .isInstanceOf(NullPointerException.class).hasMessage("shape");
  }

  @Test
  void flowPlusPlusPresetArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> Presets.flowPlusPlus(Shape.of(4)).width(8).blocks(1).heads(2).components(4).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("flowPlusPlus needs an image shape [height, width, channels], but the shape was [4]");
    assertThatThrownBy(() -> Presets.flowPlusPlus(Shape.of(5, 4, 1)).width(8).blocks(1).heads(2).components(4).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("flowPlusPlus squeezes once, so height and width must be even, but the shape was [5, 4, 1]");
    assertThatThrownBy(() -> Presets.flowPlusPlus(Shape.of(4, 4, 1)).width(8).blocks(0).heads(2).components(4).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("blocks must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.flowPlusPlus(Shape.of(4, 4, 1)).width(8).blocks(1).heads(2).components(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("components must be at least 1, but was 0");
  }

  @Test
  void mafPresetArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> Presets.maf(Shape.of(1)).layers(2).width(8).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maf needs a vector shape [d] with d at least 2 or an image shape, but the shape was [1]");
    assertThatThrownBy(() -> Presets.maf(Shape.of(2)).layers(0).width(8).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("layers must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.maf(Shape.of(2)).layers(2).width(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was 0");
    assertThatThrownBy(() -> Presets.maf(null).layers(2).width(8).build())
        .isInstanceOf(NullPointerException.class).hasMessage("shape");
  }

  @Test
  void convolutionKernelSizesAreCheckedAtTheCall() {
    assertThatThrownBy(() -> Flows.sequential(Shape.of(4, 4, 1)).steps(1, s -> s.emergingConv(4)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("kernelSize must be odd and at least 3, but was 4");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(4, 4, 1)).steps(1, s -> s.emergingConv(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("kernelSize must be odd and at least 3, but was 1");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(4, 4, 1)).steps(1, s -> s.periodicConv(0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("kernelSize must be at least 1, but was 0");
    assertThatThrownBy(() -> new PeriodicConv(-2))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("kernelSize must be at least 1, but was -2");
  }

  @Test
  void autoregressiveArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, s -> s.maf()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("a MADE network needs at least one hidden width");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, s -> s.iaf(8, 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hidden widths must be positive, but hiddenWidths[1] was 0");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, s -> s.maf((AutoregressiveOrder) null, 8)))
        .isInstanceOf(NullPointerException.class).hasMessage("order");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, s -> s.iaf((int[]) null)))
        .isInstanceOf(NullPointerException.class).hasMessage("hiddenWidths");
    assertThatThrownBy(() -> new AutoregressiveOrder(AutoregressiveOrder.Kind.REVERSED, 5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("seed is only used by RANDOM, so it must be 0 for REVERSED, but was 5");
    assertThatThrownBy(() -> new AutoregressiveOrder(null, 0))
        .isInstanceOf(NullPointerException.class).hasMessage("kind");
    assertThatThrownBy(() -> new MaskedAutoregressive(Conditioners.mlp(4), AutoregressiveOrder.natural(),
            null, AffineScale.expSoftClamp(2.0)))
        .isInstanceOf(NullPointerException.class).hasMessage("direction");
    assertThatThrownBy(() -> new MaskedAutoregressive(null, AutoregressiveOrder.natural(),
            AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0)))
        .isInstanceOf(NullPointerException.class).hasMessage("conditioner");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, s -> s.maf()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("a MADE network needs at least one hidden width");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, s -> s.iaf((ConditionerSpec) null)))
        .isInstanceOf(NullPointerException.class).hasMessage("conditioner");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2, 2, 1))
            .steps(1, s -> s.maf(null, Conditioners.pixelCnn(4).layers(1))))
        .isInstanceOf(NullPointerException.class).hasMessage("order");
  }

  @Test
  void residualFlowArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> Presets.residualFlow(Shape.of(2, 3)).blocks(4).width(64).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("residualFlow needs a vector [d] or an image [height, width, channels], but the shape was [2, 3]");
    assertThatThrownBy(() -> Presets.residualFlow(Shape.of(2)).blocks(0).width(64).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("blocks must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.residualFlow(Shape.of(28, 28, 1)).blocks(-1).width(64).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("blocks must be at least 1, but was -1");
    assertThatThrownBy(() -> Presets.residualFlow(Shape.of(2)).blocks(4).width(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was 0");
    assertThatThrownBy(() -> Presets.residualFlow(null).blocks(4).width(8).build())
        .isInstanceOf(NullPointerException.class).hasMessage("shape");
    // An image the three levels cannot squeeze is a flow problem, reported as build() reports it.
    assertThatThrownBy(() -> Presets.residualFlow(Shape.of(6, 6, 1)).blocks(1).width(8).build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  steps[7] (squeeze): height and width must be "
            + "divisible by the factor 2, but the input is [3, 3, 4]. Crop or pad the data, or use fewer squeezes.");
    assertThatThrownBy(() -> Presets.residualFlow(Shape.of(28, 28, 1)).blocks(4).width(64).fcWidth(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("fcWidth must be positive, but was 0");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 1.0, -0.5, 1.5, Double.NaN})
  void geometricParameterMustBeInZeroToOne(double p) {
    String message = "the geometric parameter p must be in (0, 1), but was " + p;
    assertThatThrownBy(() -> LogDet.russianRoulette(p))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> new RussianRoulette(TermDistribution.GEOMETRIC, p, 2, GradientMode.NEUMANN))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY})
  void poissonParameterMustBePositiveAndFinite(double lambda) {
    String message = "the Poisson parameter λ must be positive and finite, but was " + lambda;
    assertThatThrownBy(() -> LogDet.russianRoulettePoisson(lambda))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    assertThatThrownBy(() -> new RussianRoulette(TermDistribution.POISSON, lambda, 2, GradientMode.NEUMANN))
        .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void logDetEstimatorArgumentsAreChecked() {
    assertThatThrownBy(() -> LogDet.russianRoulette(0.5).exactTerms(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("exactTerms must be >= 0, but was -1");
    assertThatThrownBy(() -> LogDet.russianRoulettePoisson(2.0).exactTerms(-3))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("exactTerms must be >= 0, but was -3");
    assertThatThrownBy(() -> LogDet.truncatedSeries(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("terms must be at least 1, but was 0");
    assertThatThrownBy(() -> new TruncatedSeries(-2, GradientMode.NEUMANN))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("terms must be at least 1, but was -2");
    // The Poisson parameter may exceed 1; geometric p = 0.999 is allowed.
    LogDet.russianRoulettePoisson(40.0);
    LogDet.russianRoulette(0.999).exactTerms(0);
  }

  @Test
  void fixedPointInverseArgumentsAreChecked() {
    assertThatThrownBy(() -> Inverse.fixedPoint().atol(0).rtol(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("atol and rtol must be finite, >= 0 and not both 0, but were 0.0 and 0.0");
    assertThatThrownBy(() -> Inverse.fixedPoint().atol(-1e-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("atol and rtol must be finite, >= 0 and not both 0, but were -1.0E-5 and 1.0E-5");
    assertThatThrownBy(() -> Inverse.fixedPoint().rtol(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("atol and rtol must be finite, >= 0 and not both 0, but were 1.0E-5 and NaN");
    assertThatThrownBy(() -> Inverse.fixedPoint().atol(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("atol and rtol must be finite, >= 0 and not both 0, but were Infinity and 1.0E-5");
    assertThatThrownBy(() -> Inverse.fixedPoint().maxIterations(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxIterations must be at least 1, but was 0");
    assertThatThrownBy(() -> new FixedPointInverse(1e-5, 0, -4))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxIterations must be at least 1, but was -4");
    // One of the two tolerances may be 0.
    Inverse.fixedPoint().atol(0);
    Inverse.fixedPoint().rtol(0);
  }

  @Test
  void spectralNormalizationArgumentsAreChecked() {
    assertThatThrownBy(() -> new SpectralNormalization(0, 1e-3, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lipschitzCoeff must be positive and finite, but was 0.0");
    assertThatThrownBy(() -> SpectralNormalization.defaults().withCoeff(Double.POSITIVE_INFINITY))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lipschitzCoeff must be positive and finite, but was Infinity");
    assertThatThrownBy(() -> new SpectralNormalization(0.9, 0, 20))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("tolerance must be positive, but was 0.0");
    assertThatThrownBy(() -> new SpectralNormalization(0.9, -1e-3, 20))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("tolerance must be positive, but was -0.001");
    assertThatThrownBy(() -> new SpectralNormalization(0.9, 1e-3, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxIterations must be at least 1, but was 0");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, -0.5, Double.NaN, Double.NEGATIVE_INFINITY})
  void lipschitzCoeffIsCheckedAtTheCallWhenNotPositive(double coeff) {
    // (0, 1) is a flow rule checked with the others; a coefficient that is not even positive fails at once.
    assertThatThrownBy(() -> new ResidualBlockBuilder().lipschitzCoeff(coeff))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lipschitzCoeff must be positive and finite, but was " + coeff);
  }

  @Test
  void residualBranchArgumentsAreChecked() {
    assertThatThrownBy(() -> new LipschitzMlp(List.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("a Lipschitz MLP needs at least one hidden width");
    assertThatThrownBy(() -> new LipschitzMlp(List.of(8, -2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hidden widths must be positive, but hiddenWidths[1] was -2");
    assertThatThrownBy(() -> new ResidualBlockBuilder().lipschitzMlp())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("lipschitzMlp needs at least one hidden width");
    assertThatThrownBy(() -> new ResidualBlockBuilder().lipschitzMlp(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("hidden widths must be positive, but hiddenWidths[0] was 0");
    assertThatThrownBy(() -> new LipschitzConvNet(0, true))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was 0");
    assertThatThrownBy(() -> new ResidualBlockBuilder().lipschitzConvNet(-8))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was -8");
  }

  @Test
  void aResidualBlockNeedsABranch() {
    String message = "a residual block needs a branch: call lipschitzMlp(widths...) or lipschitzConvNet(width)";
    assertThatThrownBy(() -> new ResidualBlockBuilder().build())
        .isInstanceOf(IllegalStateException.class).hasMessage(message);
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2))
            .steps(1, step -> step.residualBlock(b -> b.lipschitzCoeff(0.9).logDet(LogDet.exact()))))
        .isInstanceOf(IllegalStateException.class).hasMessage(message);
  }

  @Test
  void residualNullsAreRejectedNamingTheArgument() {
    ResidualBlockBuilder b = new ResidualBlockBuilder();
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).steps(1, step -> step.residualBlock(null)))
        .isInstanceOf(NullPointerException.class).hasMessage("body");
    assertThatThrownBy(() -> b.lipschitzMlp((int[]) null))
        .isInstanceOf(NullPointerException.class).hasMessage("hiddenWidths");
    assertThatThrownBy(() -> b.branch(null)).isInstanceOf(NullPointerException.class).hasMessage("branch");
    assertThatThrownBy(() -> b.activation(null)).isInstanceOf(NullPointerException.class).hasMessage("activation");
    assertThatThrownBy(() -> b.spectralNormalization(null))
        .isInstanceOf(NullPointerException.class).hasMessage("spectralNormalization");
    assertThatThrownBy(() -> b.logDet(null)).isInstanceOf(NullPointerException.class).hasMessage("logDet");
    assertThatThrownBy(() -> b.evaluationLogDet(null))
        .isInstanceOf(NullPointerException.class).hasMessage("evaluationLogDet");
    assertThatThrownBy(() -> b.inverse(null)).isInstanceOf(NullPointerException.class).hasMessage("inverse");
    assertThatThrownBy(() -> new RussianRoulette(null, 0.5, 2, GradientMode.NEUMANN))
        .isInstanceOf(NullPointerException.class).hasMessage("distribution");
    assertThatThrownBy(() -> new RussianRoulette(TermDistribution.GEOMETRIC, 0.5, 2, null))
        .isInstanceOf(NullPointerException.class).hasMessage("gradient");
    assertThatThrownBy(() -> new TruncatedSeries(3, null))
        .isInstanceOf(NullPointerException.class).hasMessage("gradient");
    assertThatThrownBy(() -> new LipschitzMlp(null)).isInstanceOf(NullPointerException.class);
  }
}
