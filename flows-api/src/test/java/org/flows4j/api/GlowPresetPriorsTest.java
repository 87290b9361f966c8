package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.flows4j.api.base.DiagonalGaussian;
import org.flows4j.api.base.StandardNormal;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.StepSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Glow's priors in the Glow-family presets (openai/glow's {@code split2d_prior} at every factor-out and the learned
 * top prior of {@code --learntop}), and specs saved before they were on still loading as the flow they described.
 */
class GlowPresetPriorsTest {
  private static FlowSpec preset(String name) {
    Shape shape = Shape.of(32, 32, 1); // the periodic 3×3 needs every level at least 3 wide
    return switch (name) {
      case "glow" -> Presets.glow(shape).levels(3).stepsPerLevel(1).width(4).build();
      case "emerging" -> Presets.emerging(shape).levels(3).stepsPerLevel(1).width(4).build();
      case "periodic" -> Presets.periodic(shape).levels(3).stepsPerLevel(1).width(4).build();
      default -> throw new IllegalArgumentException(name);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"glow", "emerging", "periodic"})
  void everyFactorOutHasTheLearnedSplitPriorAndTheTopPriorIsLearned(String name) {
    FlowSpec spec = preset(name);
    List<StepSpec> factorOuts = spec.steps().stream().filter(step -> step instanceof FactorOut).toList();
    assertThat(factorOuts).hasSize(2).containsOnly(new FactorOut(FactorOutPrior.LEARNED));
    assertThat(spec.base()).isInstanceOf(DiagonalGaussian.class);
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(spec))).isEqualTo(spec);
  }

  @Test
  void aGlowSpecSavedBeforeThePriorsLoadsAsTheFlowItDescribed() throws IOException {
    String saved;
    try (InputStream in = getClass().getResourceAsStream("glow-preset-before-learned-priors.json")) {
      assertThat(in).as("the fixture written by Presets.glow(8x8x1).levels(2).stepsPerLevel(1).width(4).build() before the priors").isNotNull();
      saved = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    FlowSpec old = FlowSpecJson.fromJson(saved);
    assertThat(old.steps()).filteredOn(step -> step instanceof FactorOut)
        .containsExactly(new FactorOut(FactorOutPrior.BASE));
    assertThat(old.base()).isInstanceOf(StandardNormal.class);
    assertThat(Flows.problems(old)).isEmpty();
    // The same architecture as today's preset but for the two priors.
    FlowSpec now = Presets.glow(Shape.of(8, 8, 1)).levels(2).stepsPerLevel(1).width(4).build();
    assertThat(old.base()).isNotEqualTo(now.base());
    assertThat(old.steps().stream().filter(step -> !(step instanceof FactorOut)).toList())
        .isEqualTo(now.steps().stream().filter(step -> !(step instanceof FactorOut)).toList());
    assertThat(FlowSpecJson.toJson(old)).isEqualTo(saved);
  }
}
