package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.flows4j.api.conditioner.Conditioners.convNet;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.base.Bases;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.Squeeze;
import org.flows4j.api.step.StepSpec;
import org.junit.jupiter.api.Test;

/** Every rule, with its exact message: the messages are API. */
class ValidationRulesTest {

  /** The one problem a single step reports on a sequential flow with the given input. */
  private static Problem onlyProblem(Shape input, StepSpec step) {
    FlowSpec spec =
        new FlowSpec(input, Layout.SEQUENTIAL, List.of(new LevelSpec(List.of(step))), Bases.standardNormal());
    List<Problem> problems = Flows.problems(spec);
    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).location()).isEqualTo("steps[0]");
    assertThat(problems.get(0).stepKind()).isEqualTo(step.kind());
    return problems.get(0);
  }

  private static AffineCoupling affine(Mask mask, ConditionerSpec conditioner) {
    return new AffineCoupling(mask, conditioner, AffineScale.expSoftClamp(2.0));
  }

  // ---- coupling masks (shared by additive and affine couplings)

  @Test
  void halfMaskNeedsAVector() {
    assertThat(onlyProblem(Shape.of(4, 4, 2), affine(Mask.HALF, convNet(8))).message()).isEqualTo(
        "mask HALF needs a vector input, but the input is [4, 4, 2]. "
            + "Use Mask.CHANNELS or Mask.CHECKERBOARD for images.");
    assertThat(onlyProblem(Shape.of(4, 4, 2), new AdditiveCoupling(Mask.HALF_FLIPPED, convNet(8))).message())
        .isEqualTo("mask HALF_FLIPPED needs a vector input, but the input is [4, 4, 2]. "
            + "Use Mask.CHANNELS or Mask.CHECKERBOARD for images.");
  }

  @Test
  void halfMaskNeedsTwoFeatures() {
    assertThat(onlyProblem(Shape.of(1), affine(Mask.HALF, mlp(8))).message()).isEqualTo(
        "the mask must leave both halves non-empty, but the input has 1 feature ([1]). "
            + "Couplings need at least 2 features.");
  }

  @Test
  void channelMaskNeedsAnImage() {
    assertThat(onlyProblem(Shape.of(4), new AdditiveCoupling(Mask.CHANNELS, mlp(8))).message()).isEqualTo(
        "mask CHANNELS needs an image input [height, width, channels], but the input is [4]. "
            + "Use Mask.HALF for vectors.");
  }

  @Test
  void channelMaskNeedsTwoChannels() {
    assertThat(onlyProblem(Shape.of(28, 28, 1), affine(Mask.CHANNELS_FLIPPED, convNet(8))).message()).isEqualTo(
        "the mask must leave both halves non-empty, but the input has 1 channel ([28, 28, 1]). "
            + "Add squeeze() before it.");
  }

  @Test
  void checkerboardMaskNeedsAnImage() {
    assertThat(onlyProblem(Shape.of(4), affine(Mask.CHECKERBOARD, mlp(8))).message()).isEqualTo(
        "mask CHECKERBOARD needs an image input [height, width, channels], but the input is [4]. "
            + "Use Mask.HALF for vectors.");
  }

  @Test
  void checkerboardMaskNeedsTwoPixels() {
    assertThat(onlyProblem(Shape.of(1, 1, 4), affine(Mask.CHECKERBOARD_FLIPPED, convNet(8))).message()).isEqualTo(
        "the checkerboard mask needs at least 2 pixels, but the input is [1, 1, 4]. Use Mask.CHANNELS.");
  }

  // ---- conditioners

  @Test
  void convNetConditionerNeedsAnImage() {
    assertThat(onlyProblem(Shape.of(4), affine(Mask.HALF, convNet(8))).message()).isEqualTo(
        "a convNet conditioner needs an image input [height, width, channels], but the input is [4]. "
            + "Use Conditioners.mlp(widths...) for vectors.");
  }

  @Test
  void mlpConditionerNeedsAVector() {
    assertThat(onlyProblem(Shape.of(4, 4, 2), new AdditiveCoupling(Mask.CHANNELS, mlp(8))).message()).isEqualTo(
        "an mlp conditioner needs a vector input, but the input is [4, 4, 2]. "
            + "Use Conditioners.convNet(width) for images.");
  }

  @Test
  void aWrongMaskAndAWrongConditionerAreBothReported() {
    FlowSpec spec = new FlowSpec(Shape.of(4, 4, 2), Layout.SEQUENTIAL,
        List.of(new LevelSpec(List.of(affine(Mask.HALF, mlp(8))))), Bases.standardNormal());
    assertThat(Flows.problems(spec)).extracting(Problem::message).containsExactly(
        "mask HALF needs a vector input, but the input is [4, 4, 2]. "
            + "Use Mask.CHANNELS or Mask.CHECKERBOARD for images.",
        "an mlp conditioner needs a vector input, but the input is [4, 4, 2]. "
            + "Use Conditioners.convNet(width) for images.");
  }

  // ---- shape-changing and linear steps

  @Test
  void squeezeNeedsAnImage() {
    assertThat(onlyProblem(Shape.of(4), new Squeeze(2)).message())
        .isEqualTo("squeeze needs an image input [height, width, channels], but the input is [4].");
  }

  @Test
  void squeezeNeedsDivisibleHeightAndWidth() {
    assertThat(onlyProblem(Shape.of(5, 4, 1), new Squeeze(2)).message()).isEqualTo(
        "height and width must be divisible by the factor 2, but the input is [5, 4, 1]. "
            + "Crop or pad the data, or use fewer squeezes.");
    assertThat(onlyProblem(Shape.of(6, 4, 1), new Squeeze(3)).message()).isEqualTo(
        "height and width must be divisible by the factor 3, but the input is [6, 4, 1]. "
            + "Crop or pad the data, or use fewer squeezes.");
  }

  @Test
  void factorOutNeedsTwoChannels() {
    assertThat(onlyProblem(Shape.of(4, 4, 1), new FactorOut()).message()).isEqualTo(
        "factorOut needs at least 2 channels to keep one and factor one out, but the input is [4, 4, 1]. "
            + "Add squeeze() before it.");
  }

  @Test
  void factorOutNeedsTwoFeatures() {
    assertThat(onlyProblem(Shape.of(1), new FactorOut()).message())
        .isEqualTo("factorOut needs at least 2 features to keep one and factor one out, but the input is [1].");
  }

  @Test
  void invertibleConv1x1NeedsAVectorOrAnImage() {
    assertThat(onlyProblem(Shape.of(2, 3), new InvertibleConv1x1(Conv1x1.LU_DECOMPOSED)).message())
        .isEqualTo("invertibleConv1x1 needs a vector or an image input, but the input is [2, 3].");
  }

  // ---- flow-level rules

  @Test
  void sequentialFlowWithNoSteps() {
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  flow (flow): the flow has no steps. Add steps(n, step -> ...).");
  }

  @Test
  void multiscaleFlowWithNoLevels() {
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n"
            + "  flow (flow): the flow has no steps. Add levels(n, level -> ...).");
  }

  @Test
  void multiscaleFlowNeedsAnImage() {
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4)).level(level -> level.actNorm().squeeze()).build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  flow (flow): a multiscale flow needs an image input "
            + "[height, width, channels], but the input is [4]. Use Flows.sequential(shape) for vectors.");
  }

  @Test
  void multiscaleLevelWithNoSteps() {
    InvalidFlowSpecException e = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.multiscale(Shape.of(8, 8, 1))
            .level(level -> level.squeeze())
            .level(level -> {})
            .level(level -> level.actNorm())
            .build());
    assertThat(e.problems()).containsExactly(new Problem("flow", "flow",
        "levels[1] has no steps. Give every level at least one step, or use fewer levels."));
  }

  @Test
  void sequentialFlowHasExactlyOneLevel() {
    FlowSpec spec = new FlowSpec(Shape.of(2), Layout.SEQUENTIAL,
        List.of(new LevelSpec(List.of(new ActNorm())), new LevelSpec(List.of(new ActNorm()))),
        Bases.standardNormal());
    assertThatThrownBy(() -> Flows.validate(spec))
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  flow (flow): a sequential flow has exactly one level, but this "
            + "one has 2. Use Layout.MULTISCALE to group steps into levels.");
  }

  private static final String LOGIT_NEEDS_DEQUANTIZATION = "the logit transform needs data in [0, 1], which only "
      + "dequantization provides, but the flow has Dequantization.none(). "
      + "Add dequantize(Dequantization.uniform(256)) or remove logit.";

  @Test
  void logitNeedsDequantization() {
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2)).logit(0.05).steps(1, step -> step.actNorm()).build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  flow (flow): " + LOGIT_NEEDS_DEQUANTIZATION);
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1))
            .dequantize(Dequantization.none()).logit(1e-6)
            .levels(2, level -> level.squeeze())
            .build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  flow (flow): " + LOGIT_NEEDS_DEQUANTIZATION);
    FlowSpec spec = new FlowSpec(Shape.of(2), Layout.SEQUENTIAL, List.of(new LevelSpec(List.of(new ActNorm()))),
        Bases.standardNormal(), Dequantization.none(), LogitTransform.of(0.05));
    assertThat(Flows.problems(spec)).containsExactly(new Problem("flow", "flow", LOGIT_NEEDS_DEQUANTIZATION));
  }

  @Test
  void dequantizationWithOrWithoutLogitIsValid() {
    FlowSpec plain = Flows.sequential(Shape.of(2)).steps(1, step -> step.actNorm()).build();
    assertThat(Flows.problems(plain.withPreprocessing(Dequantization.uniform(256), LogitTransform.of(0.05))))
        .isEmpty();
    assertThat(Flows.problems(plain.withPreprocessing(Dequantization.uniform(32), LogitTransform.none()))).isEmpty();
    assertThat(Flows.problems(plain.withPreprocessing(Dequantization.none(), LogitTransform.none()))).isEmpty();
  }

  @Test
  void logitProblemIsListedWithTheOtherFlowProblems() {
    InvalidFlowSpecException e = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.multiscale(Shape.of(4)).logit(0.05).level(level -> level.squeeze()).build());
    assertThat(e.problems()).extracting(Problem::message).containsExactly(
        LOGIT_NEEDS_DEQUANTIZATION,
        "a multiscale flow needs an image input [height, width, channels], but the input is [4]. "
            + "Use Flows.sequential(shape) for vectors.");
  }

  // ---- aggregation and walking

  @Test
  void everyProblemIsListedInOneException() {
    InvalidFlowSpecException e = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.multiscale(Shape.of(28, 28, 1))
            .level(level -> level
                .affineCoupling(Mask.CHANNELS, convNet(8))
                .squeeze()
                .squeeze(3))
            .build());
    assertThat(e).hasMessage("""
        Invalid flow spec (2 problems):
          levels[0].steps[0] (affineCoupling): the mask must leave both halves non-empty, but the input has 1 channel \
        ([28, 28, 1]). Add squeeze() before it.
          levels[0].steps[2] (squeeze): height and width must be divisible by the factor 3, but the input is \
        [14, 14, 4]. Crop or pad the data, or use fewer squeezes.""");
    assertThat(e).isInstanceOf(IllegalArgumentException.class);
    assertThat(e.problems()).extracting(Problem::location).containsExactly("levels[0].steps[0]", "levels[0].steps[2]");
    assertThat(e.problems()).extracting(Problem::stepKind).containsExactly("affineCoupling", "squeeze");
  }

  @Test
  void flowLevelProblemsComeFirst() {
    InvalidFlowSpecException e = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.multiscale(Shape.of(8, 8, 1))
            .level(level -> level.affineCoupling(convNet(4)).squeeze())
            .level(level -> {})
            .level(level -> level.actNorm())
            .build());
    assertThat(e).hasMessage("""
        Invalid flow spec (2 problems):
          flow (flow): levels[1] has no steps. Give every level at least one step, or use fewer levels.
          levels[0].steps[0] (affineCoupling): the mask must leave both halves non-empty, but the input has 1 channel \
        ([8, 8, 1]). Add squeeze() before it.""");
  }

  @Test
  void sequentialLocationsCountAcrossTheWholeFlow() {
    InvalidFlowSpecException e = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.sequential(Shape.of(4))
            .steps(2, step -> step.actNorm().reverse())
            .steps(1, step -> step.affineCoupling(Mask.CHANNELS, mlp(8)))
            .build());
    assertThat(e.problems()).extracting(Problem::describe).containsExactly(
        "steps[4] (affineCoupling): mask CHANNELS needs an image input [height, width, channels], but the input is "
            + "[4]. Use Mask.HALF for vectors.");
  }

  @Test
  void walkingContinuesAfterAStepThatKeepsTheShape() {
    InvalidFlowSpecException e = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.sequential(Shape.of(4))
            .steps(1, step -> step.affineCoupling(Mask.CHANNELS, mlp(8)).actNorm().squeeze())
            .build());
    assertThat(e.problems()).extracting(Problem::location).containsExactly("steps[0]", "steps[2]");
  }

  @Test
  void walkingStopsAfterABrokenStepThatChangesTheShape() {
    InvalidFlowSpecException e = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.multiscale(Shape.of(5, 4, 1))
            .level(level -> level.squeeze().affineCoupling(convNet(8)).squeeze(3))
            .level(level -> level.affineCoupling(Mask.HALF, convNet(8)))
            .build());
    assertThat(e).hasMessage("""
        Invalid flow spec (1 problem):
          levels[0].steps[0] (squeeze): height and width must be divisible by the factor 2, but the input is \
        [5, 4, 1]. Crop or pad the data, or use fewer squeezes.""");

    InvalidFlowSpecException afterFactorOut = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.sequential(Shape.of(1)).steps(1, step -> step.factorOut().affineCoupling(mlp(4))).build());
    assertThat(afterFactorOut.problems()).extracting(Problem::stepKind).containsExactly("factorOut");
  }

  @Test
  void validSpecsHaveNoProblemsAndValidateReturnsThem() {
    FlowSpec glow = Presets.glow(Shape.of(8, 8, 3), 2, 1, 4);
    assertThat(Flows.problems(glow)).isEmpty();
    assertThat(Flows.validate(glow)).isSameAs(glow);
  }

  @Test
  void exceptionNeedsAProblemAndCopiesThem() {
    assertThatThrownBy(() -> new InvalidFlowSpecException(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("an InvalidFlowSpecException needs at least one problem");
    assertThat(new InvalidFlowSpecException(ImmutableList.of(new Problem("flow", "flow", "m"))).problems())
        .containsExactly(new Problem("flow", "flow", "m"));
  }
}
