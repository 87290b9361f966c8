package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.flows4j.api.conditioner.Conditioners.convNet;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.Logit;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.data.UniformDequantization;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.Mask;
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
    assertThatThrownBy(() -> Presets.glow(Shape.of(784), 2, 4, 64))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("glow needs an image shape [height, width, channels], but the shape was [784]");
    assertThatThrownBy(() -> Presets.glow(Shape.of(28, 28, 1), 0, 4, 64))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("levels must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.glow(Shape.of(28, 28, 1), 2, 0, 64))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("stepsPerLevel must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.glow(Shape.of(28, 28, 1), 2, 4, -64))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was -64");
    assertThatThrownBy(() -> Presets.glow(null, 2, 4, 64))
        .isInstanceOf(NullPointerException.class).hasMessage("imageShape");
    assertThatThrownBy(() -> Presets.realNvp(Shape.of(2, 3), 4, 64))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("realNvp needs a vector [d] or an image [height, width, channels], but the shape was [2, 3]");
    assertThatThrownBy(() -> Presets.realNvp(Shape.of(2), 0, 64))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("couplings must be at least 1, but was 0");
    assertThatThrownBy(() -> Presets.nice(Shape.of(2), 4, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("width must be positive, but was 0");
    assertThatThrownBy(() -> Presets.nice(null, 4, 8))
        .isInstanceOf(NullPointerException.class).hasMessage("shape");
  }
}
