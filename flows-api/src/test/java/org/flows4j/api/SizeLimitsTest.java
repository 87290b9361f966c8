package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.Mask;
import org.junit.jupiter.api.Test;

/**
 * Sizes no machine can take are refused while they are still a message: shapes whose size would overflow, inputs
 * wider than flows4j compiles, kernels larger than their image, JSON nested deeper than any spec.
 */
class SizeLimitsTest {
  @Test
  void shapeSizesAreCheckedInLongArithmeticAndRefusedPastTheLimit() {
    // (100000, 100000, 3) wrapped to -64771072 in int arithmetic, and (65536, 65536, 1) to 0.
    assertThatThrownBy(() -> Shape.of(100000, 100000, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Shape [100000, 100000, 3] has 30000000000 values per example, more than the 2147483647 "
            + "(2^31 - 1) a shape can hold");
    assertThatThrownBy(() -> Shape.of(65536, 65536, 1))
        .hasMessageStartingWith("Shape [65536, 65536, 1] has 4294967296 values per example");
    assertThatThrownBy(() -> Shape.of(2147483647, 2147483647, 2147483647))
        .hasMessageStartingWith("Shape [2147483647, 2147483647, 2147483647] has 9903520300447984150353281023 "
            + "values per example");
    assertThat(Shape.of(2147483647).size()).isEqualTo(Integer.MAX_VALUE);
    assertThat(Shape.of(46340, 46340).size()).isEqualTo(46340 * 46340);
  }

  @Test
  void anInputWiderThanFlowsCompilesIsAFlowProblem() {
    // [2147483647] made TensorFlow abort the JVM; realNvp([2_000_000_000]) allocated until it was killed.
    assertThatThrownBy(() -> Presets.realNvp(Shape.of(2_000_000_000)).couplings(4).width(32).build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  flow (flow): the input [2000000000] has 2000000000 values per "
            + "example, more than the 16777216 (2^24, e.g. 4096×4096×1) flows4j compiles. Downscale or crop the "
            + "data.");
    assertThatThrownBy(() -> Presets.glow(Shape.of(8192, 8192, 3)).levels(2).stepsPerLevel(4).width(32).build())
        .hasMessageContaining("the input [8192, 8192, 3] has 201326592 values per example");
    assertThat(Presets.realNvp(Shape.of(1 << 24)).couplings(1).width(1).build().inputShape().size()).isEqualTo(1 << 24);
  }

  @Test
  void aFlowWithMoreStepsThanFlowsCompilesIsAFlowProblem() {
    // inspect --model nice --depth 100000 grew to 24 GB building the graph and was killed by the OOM killer.
    assertThatThrownBy(() -> Presets.nice(Shape.of(2)).couplings(100_000).width(8).build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  flow (flow): the flow has 100001 steps, more than the 4096 "
            + "flows4j compiles (the largest published flows have a few hundred). Use fewer steps or levels.");
  }

  @Test
  void aConvKernelLargerThanItsImageAllowsIsRefused() {
    assertThatThrownBy(() -> Flows.sequential(Shape.of(28, 28, 2))
        .steps(1, s -> s.affineCoupling(Mask.CHANNELS, Conditioners.convNet(8).kernelSize(2147483647)))
        .build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  steps[0] (affineCoupling): convNet kernelSize must be at "
            + "most max(7, 2·max(height, width) + 1) = 57 for the input [28, 28, 2] (a larger kernel only adds taps that "
            + "read padding), but was 2147483647.");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(4, 2, 1)).steps(1, s -> s.emergingConv(11)).build())
        .hasMessageContaining("steps[0] (emergingConv): emergingConv kernelSize must be at most max(7, "
            + "2·max(height, width) + 1) = 9 for the input [4, 2, 1]");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(1, 1, 1)).steps(1, s -> s.emergingConv(9)).build())
        .hasMessageContaining("= 7 for the input [1, 1, 1]");
    assertThat(Flows.sequential(Shape.of(28, 28, 2))
        .steps(1, s -> s.affineCoupling(Mask.CHANNELS, Conditioners.convNet(8).kernelSize(57))).build())
        .isNotNull();
  }

  @Test
  void jsonNestedDeeperThanAnySpecIsRefusedWithoutOverflowingTheStack() {
    // A variational dequantization nested ~480 deep overflowed the stack while it was read; any deep nesting now
    // stops at the reader's bound, long before the stack is at risk.
    String deep = "{\"base\": " + "{\"x\": ".repeat(100_000) + "1" + "}".repeat(100_001);

    assertThatThrownBy(() -> FlowSpecJson.fromJson(deep))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON: it is nested more than 64 levels deep, deeper than any flow spec (is a "
            + "dequantization flow nested inside another?)");
  }

  @Test
  void theDeepestValidSpecsStayWellInsideTheNestingBound() {
    FlowSpec noise = Flows.sequential(Shape.of(4, 4, 2))
        .steps(2, s -> s.actNorm().mixtureLogisticsCoupling(Mask.CHECKERBOARD, Conditioners.flowPlusPlus(8).blocks(1).heads(2), 4))
        .build();
    FlowSpec spec = Presets.flowPlusPlus(Shape.of(4, 4, 2)).width(8).blocks(1).heads(2).components(4).build();
    String json = FlowSpecJson.toJson(spec.withPreprocessing(
        org.flows4j.api.data.Dequantization.variational(256, noise), spec.logit()));

    assertThat(maxDepth(json)).isLessThan(FlowSpecJson.MAX_NESTING_DEPTH / 2);
    assertThat(FlowSpecJson.fromJson(json)).isNotNull();
  }

  @Test
  void typeMismatchesInJsonSpeakOfTheSpecNotOfJavaOrJackson() {
    String json = FlowSpecJson.toJson(Flows.sequential(Shape.of(4, 4, 2))
        .steps(1, s -> s.affineCoupling(Mask.CHANNELS, Conditioners.convNet(8))).build());

    String wordForNumber = json.replace("\"width\": 8", "\"width\": \"eight\"");
    String fractionForWhole = json.replace("\"width\": 8", "\"width\": 8.5");

    assertThatThrownBy(() -> FlowSpecJson.fromJson(wordForNumber))
        .hasMessageEndingWith(": expected a whole number, but found a string (\"eight\").")
        .hasMessageNotContaining("CoercionConfig").hasMessageNotContaining("`int`");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(fractionForWhole))
        .hasMessageEndingWith(": expected a whole number, but found a fractional number (8.5).")
        .hasMessageNotContaining("java.").hasMessageNotContaining("`int`");
  }

  private static int maxDepth(String json) {
    int depth = 0;
    int max = 0;
    for (char c : json.toCharArray()) {
      if (c == '{' || c == '[') {
        max = Math.max(max, ++depth);
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return max;
  }
}
