package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.flows4j.api.conditioner.Conditioners.convNet;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.base.Bases;
import java.util.function.Consumer;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.ResidualBlockBuilder;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.step.InverseKind;
import org.flows4j.api.step.LogDetKind;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.api.step.Squeeze;
import org.flows4j.api.step.StepSpec;
import org.flows4j.api.transform.Transforms;
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
  void flowPlusPlusConditionerNeedsAnImage() {
    assertThat(onlyProblem(Shape.of(4), affine(Mask.HALF, Conditioners.flowPlusPlus(8).blocks(1).heads(2))).message())
        .isEqualTo("a flowPlusPlus conditioner needs an image input [height, width, channels], but the input is "
            + "[4]. Use Conditioners.mlp(widths...) for vectors.");
  }

  @Test
  void flowPlusPlusDropoutIsValid() {
    assertThat(Flows.problems(Flows.sequential(Shape.of(4, 4, 2))
            .add(affine(Mask.CHECKERBOARD, Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(0.2))).build()))
        .isEmpty();
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

  @Test
  void lipswishIsNotForConditioners() {
    assertThat(onlyProblem(Shape.of(4), affine(Mask.HALF, mlp(8).activation(Activation.LIPSWISH))).message())
        .isEqualTo("LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in "
            + "an mlp conditioner.");
    assertThat(onlyProblem(Shape.of(4, 4, 2), new AdditiveCoupling(Mask.CHANNELS,
            convNet(8).activation(Activation.LIPSWISH))).message())
        .isEqualTo("LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in "
            + "a convNet conditioner.");
  }

  @Test
  void lipswishAndAWrongInputAreBothReported() {
    InvalidFlowSpecException e = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.sequential(Shape.of(4, 4, 2))
            .steps(1, step -> step.additiveCoupling(Mask.CHANNELS, mlp(8).activation(Activation.LIPSWISH)))
            .build());
    assertThat(e).hasMessage("""
        Invalid flow spec (2 problems):
          steps[0] (additiveCoupling): LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, \
        ELU or SOFTPLUS in an mlp conditioner.
          steps[0] (additiveCoupling): an mlp conditioner needs a vector input, but the input is [4, 4, 2]. \
        Use Conditioners.convNet(width) for images.""");
    assertThat(Flows.problems(new FlowSpec(Shape.of(4), Layout.SEQUENTIAL,
            List.of(new LevelSpec(List.of(affine(Mask.HALF, convNet(8).activation(Activation.LIPSWISH))))),
            Bases.standardNormal())))
        .extracting(Problem::message).containsExactly(
            "LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in "
                + "a convNet conditioner.",
            "a convNet conditioner needs an image input [height, width, channels], but the input is [4]. "
                + "Use Conditioners.mlp(widths...) for vectors.");
  }

  @Test
  void everyOtherActivationIsFineInConditioners() {
    for (Activation activation : List.of(Activation.RELU, Activation.TANH, Activation.ELU, Activation.SOFTPLUS)) {
      assertThat(Flows.problems(Flows.sequential(Shape.of(4, 4, 2))
              .steps(1, step -> step.affineCoupling(convNet(4).activation(activation))).build()))
          .isEmpty();
      assertThat(Flows.problems(Flows.sequential(Shape.of(4))
              .steps(1, step -> step.additiveCoupling(mlp(4).activation(activation))).build()))
          .isEmpty();
    }
  }

  // ---- residual blocks

  /** The messages of the problems of one residual block, built with the DSL, on a sequential flow. */
  private static List<String> residualProblems(Shape input, Consumer<ResidualBlockBuilder> block) {
    ResidualBlockBuilder builder = new ResidualBlockBuilder();
    block.accept(builder);
    FlowSpec spec = new FlowSpec(input, Layout.SEQUENTIAL, List.of(new LevelSpec(List.of(builder.build()))),
        Bases.standardNormal());
    List<Problem> problems = Flows.problems(spec);
    assertThat(problems).allSatisfy(problem -> {
      assertThat(problem.location()).isEqualTo("steps[0]");
      assertThat(problem.stepKind()).isEqualTo("residualBlock");
    });
    return problems.stream().map(Problem::message).toList();
  }

  @Test
  void lipschitzConvNetBranchNeedsAnImage() {
    assertThat(residualProblems(Shape.of(4), b -> b.lipschitzConvNet(8))).containsExactly(
        "a lipschitzConvNet branch needs an image input [height, width, channels], but the input is [4]. "
            + "Use lipschitzMlp(widths...) for vectors.");
    assertThat(residualProblems(Shape.of(4, 4), b -> b.lipschitzConvNet(8))).containsExactly(
        "a lipschitzConvNet branch needs an image input [height, width, channels], but the input is [4, 4]. "
            + "Use lipschitzMlp(widths...) for vectors.");
  }

  @Test
  void lipschitzMlpBranchTakesVectorsAndImages() {
    assertThat(residualProblems(Shape.of(4), b -> b.lipschitzMlp(8))).isEmpty();
    assertThat(residualProblems(Shape.of(8, 8, 3), b -> b.lipschitzMlp(8))).isEmpty();
    assertThat(residualProblems(Shape.of(8, 8, 3), b -> b.lipschitzConvNet(8))).isEmpty();
  }

  @Test
  void lipschitzCoeffMustBeBelowOne() {
    assertThatThrownBy(() -> Flows.sequential(Shape.of(2))
            .steps(1, step -> step.residualBlock(b -> b.lipschitzMlp(8).lipschitzCoeff(1.05)))
            .build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n"
            + "  steps[0] (residualBlock): lipschitzCoeff must be in (0, 1) for x + g(x) to be invertible, "
            + "but was 1.05.");
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8).lipschitzCoeff(1.0))).containsExactly(
        "lipschitzCoeff must be in (0, 1) for x + g(x) to be invertible, but was 1.0.");
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8).lipschitzCoeff(0.999))).isEmpty();
  }

  @Test
  void inducedNormOrdersMatchTheBranchAndCloseTheLoop() {
    SpectralNormalization base = SpectralNormalization.defaults();
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8, 8)
        .spectralNormalization(base.withOrders(2, 3)))).containsExactly(
        "spectralNormalization orders need one order per boundary between the branch's 3 linear maps (4 orders, "
            + "first input to last output), but got 2: [2.0, 3.0].");
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8, 8)
        .spectralNormalization(base.withOrders(2, 3, 3, 4)))).containsExactly(
        "spectralNormalization orders must end with the order they start with, so that g is a contraction in one "
            + "norm, but they were [2.0, 3.0, 3.0, 4.0]. Make the last order 2.0.");
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8, 8)
        .spectralNormalization(base.withOrders(2, 1.5, 3, 2)))).isEmpty();
    assertThat(residualProblems(Shape.of(4, 4, 2), b -> b.lipschitzConvNet(8)
        .spectralNormalization(base.withOrders(2, 1.5, 3, 2)))).isEmpty();
    assertThat(residualProblems(Shape.of(4, 4, 2), b -> b.lipschitzConvNet(8)
        .spectralNormalization(base.withOrders(2, 1.5, 2)))).containsExactly(
        "spectralNormalization orders need one order per boundary between the branch's 3 linear maps (4 orders, "
            + "first input to last output), but got 3: [2.0, 1.5, 2.0].");
    assertThatThrownBy(() -> base.withOrders(2, 1, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("norm orders must be finite and greater than 1, but orders[1] was 1.0");
  }

  @Test
  void bfloat16SeriesTermsNeedTheNeumannGradient() {
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8).logDet(LogDet.truncatedSeries(5))
            .evaluationLogDet(LogDet.truncatedSeries(5)).seriesPrecision(SeriesPrecision.BFLOAT16)))
        .containsExactly(
            "logDet truncatedSeries backpropagates through the series, which seriesPrecision BFLOAT16 does not "
                + "offer (its products are bfloat16). Add neumannGradient() or use SeriesPrecision.FULL.",
            "evaluationLogDet truncatedSeries backpropagates through the series, which seriesPrecision BFLOAT16 "
                + "does not offer (its products are bfloat16). Add neumannGradient() or use SeriesPrecision.FULL.");
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8)
        .logDet(LogDet.truncatedSeries(5).neumannGradient()).seriesPrecision(SeriesPrecision.BFLOAT16))).isEmpty();
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8).seriesPrecision(SeriesPrecision.BFLOAT16)))
        .isEmpty();
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8).logDet(LogDet.truncatedSeries(5)))).isEmpty();
  }

  @Test
  void reluIsRejectedInResidualBlocks() {
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8).activation(Activation.RELU))).containsExactly(
        "activation RELU has no continuous derivative, which the log-determinant's gradient needs. "
            + "Use LIPSWISH, ELU, SOFTPLUS or TANH.");
    for (Activation activation : List.of(Activation.LIPSWISH, Activation.ELU, Activation.SOFTPLUS, Activation.TANH)) {
      assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8).activation(activation))).isEmpty();
    }
  }

  @Test
  void exactLogDetNeedsAtMost64Values() {
    assertThat(residualProblems(Shape.of(65),
            b -> b.lipschitzMlp(8).logDet(LogDet.exact()).evaluationLogDet(LogDet.russianRoulette(0.5))))
        .containsExactly("logDet exact() builds the full Jacobian, so it needs at most 64 values per example, but "
            + "the input [65] has 65. Use LogDet.russianRoulette(p).");
    assertThat(residualProblems(Shape.of(8, 8, 2), b -> b.lipschitzConvNet(8).evaluationLogDet(LogDet.exact())))
        .containsExactly("evaluationLogDet exact() builds the full Jacobian, so it needs at most 64 values per "
            + "example, but the input [8, 8, 2] has 128. Use LogDet.russianRoulette(p).");
    assertThat(residualProblems(Shape.of(64), b -> b.lipschitzMlp(8).logDet(LogDet.exact()))).isEmpty();
    assertThat(residualProblems(Shape.of(4, 4, 4), b -> b.lipschitzConvNet(8).evaluationLogDet(LogDet.exact())))
        .isEmpty();
  }

  @Test
  void anExactTrainingEstimatorIsAlsoTheDefaultEvaluationOneAndBothAreReported() {
    // The builder's default evaluation estimator is the training one itself: each field is reported once.
    assertThat(residualProblems(Shape.of(100), b -> b.lipschitzMlp(8).logDet(LogDet.exact()))).containsExactly(
        "logDet exact() builds the full Jacobian, so it needs at most 64 values per example, but the input [100] "
            + "has 100. Use LogDet.russianRoulette(p).",
        "evaluationLogDet exact() builds the full Jacobian, so it needs at most 64 values per example, but the "
            + "input [100] has 100. Use LogDet.russianRoulette(p).");
  }

  @Test
  void russianRouletteCannotBeBackpropagated() {
    String message = " russianRoulette has a random number of terms, which graph-mode backpropagation cannot "
        + "follow. Use neumannGradient(), or LogDet.truncatedSeries(n) to backpropagate.";
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8)
            .logDet(LogDet.russianRoulette(0.5).backpropGradient())
            .evaluationLogDet(LogDet.exact())))
        .containsExactly("logDet" + message);
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8)
            .evaluationLogDet(LogDet.russianRoulettePoisson(3).exactTerms(10).backpropGradient())))
        .containsExactly("evaluationLogDet" + message);
    // The default evaluation estimator keeps the training estimator's gradient mode.
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8)
            .logDet(LogDet.russianRoulette(0.5).backpropGradient())))
        .containsExactly("logDet" + message, "evaluationLogDet" + message);
    assertThat(residualProblems(Shape.of(2), b -> b.lipschitzMlp(8)
            .logDet(LogDet.russianRoulette(0.5).backpropGradient().neumannGradient())))
        .isEmpty();
  }

  @Test
  void truncatedSeriesTakesEitherGradient() {
    assertThat(residualProblems(Shape.of(8, 8, 3), b -> b.lipschitzConvNet(8).logDet(LogDet.truncatedSeries(5))))
        .isEmpty();
    assertThat(residualProblems(Shape.of(8, 8, 3),
            b -> b.lipschitzConvNet(8).logDet(LogDet.truncatedSeries(5).neumannGradient())))
        .isEmpty();
  }

  @Test
  void everyResidualProblemIsListed() {
    InvalidFlowSpecException e = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.sequential(Shape.of(100))
            .steps(2, step -> step.actNorm())
            .steps(1, step -> step.residualBlock(b -> b
                .lipschitzConvNet(16)
                .activation(Activation.RELU)
                .lipschitzCoeff(1.5)
                .logDet(LogDet.russianRoulette(0.5).backpropGradient())
                .evaluationLogDet(LogDet.exact())))
            .build());
    assertThat(e).hasMessage("""
        Invalid flow spec (5 problems):
          steps[2] (residualBlock): a lipschitzConvNet branch needs an image input [height, width, channels], \
        but the input is [100]. Use lipschitzMlp(widths...) for vectors.
          steps[2] (residualBlock): lipschitzCoeff must be in (0, 1) for x + g(x) to be invertible, but was 1.5.
          steps[2] (residualBlock): activation RELU has no continuous derivative, which the log-determinant's \
        gradient needs. Use LIPSWISH, ELU, SOFTPLUS or TANH.
          steps[2] (residualBlock): logDet russianRoulette has a random number of terms, which graph-mode \
        backpropagation cannot follow. Use neumannGradient(), or LogDet.truncatedSeries(n) to backpropagate.
          steps[2] (residualBlock): evaluationLogDet exact() builds the full Jacobian, so it needs at most 64 \
        values per example, but the input [100] has 100. Use LogDet.russianRoulette(p).""");
  }

  @Test
  void residualBlocksInsideLevelsAreLocatedThere() {
    // The exact log-det is checked against the block's own input: level 1 sees [4, 4, 2], 32 values.
    FlowSpec valid = Flows.multiscale(Shape.of(8, 8, 1))
        .level(level -> level.squeeze().residualBlock(b -> b.lipschitzConvNet(8)))
        .level(level -> level.residualBlock(b -> b.lipschitzMlp(8).logDet(LogDet.exact())))
        .build();
    assertThat(Flows.shapes(valid).get(3)).isEqualTo(Shape.of(4, 4, 2));
    InvalidFlowSpecException tooBig = catchThrowableOfType(InvalidFlowSpecException.class,
        () -> Flows.multiscale(Shape.of(16, 16, 1))
            .level(level -> level.squeeze().residualBlock(b -> b.lipschitzConvNet(8)))
            .level(level -> level.residualBlock(b -> b.lipschitzMlp(8).lipschitzCoeff(2)))
            .build());
    assertThat(tooBig.problems()).extracting(Problem::describe).containsExactly(
        "levels[1].steps[0] (residualBlock): lipschitzCoeff must be in (0, 1) for x + g(x) to be invertible, "
            + "but was 2.0.");
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

  // ---- autoregressive steps

  private static MaskedAutoregressive autoregressive(AutoregressiveDirection direction, Activation activation) {
    return new MaskedAutoregressive(mlp(8).activation(activation), AutoregressiveOrder.natural(), direction,
        AffineScale.expSoftClamp(2.0));
  }

  private static MaskedAutoregressive pixelCnnMaf(AutoregressiveOrder order, PixelCnnConditioner pixelCnn) {
    return new MaskedAutoregressive(pixelCnn, order, AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0));
  }

  @Test
  void autoregressiveStepsNeedAVectorOrAnImage() {
    assertThat(onlyProblem(Shape.of(2, 3), autoregressive(AutoregressiveDirection.IAF, Activation.TANH))
        .message()).isEqualTo("iaf needs a vector input [d] or an image input [height, width, channels], but the "
            + "input is [2, 3].");
  }

  @Test
  void mafOnAnImageNeedsPixelCnn() {
    assertThat(onlyProblem(Shape.of(4, 4, 2), autoregressive(AutoregressiveDirection.MAF, Activation.RELU))
        .message()).isEqualTo("maf on an image needs masked convolutions, maf(Conditioners.pixelCnn(width)"
            + ".layers(n)), but the input [4, 4, 2] got an mlp conditioner (a MADE, for vectors).");
    assertThat(onlyProblem(Shape.of(4, 4, 2), new MaskedAutoregressive(convNet(8), AutoregressiveOrder.natural(),
        AutoregressiveDirection.MAF, AffineScale.sigmoid())).message())
        .isEqualTo("maf on an image needs masked convolutions, maf(Conditioners.pixelCnn(width).layers(n)), but the "
            + "input [4, 4, 2] got a convNet conditioner (for couplings).");
  }

  @Test
  void mafOnAVectorNeedsAMade() {
    assertThat(onlyProblem(Shape.of(6), pixelCnnMaf(AutoregressiveOrder.natural(), Conditioners.pixelCnn(8).layers(2)))
        .message()).isEqualTo("maf on a vector needs a MADE network, maf(hiddenWidths...) or "
            + "maf(Conditioners.mlp(hiddenWidths...)), but the input [6] got a pixelCnn conditioner (for images).");
    assertThat(onlyProblem(Shape.of(6), new MaskedAutoregressive(Conditioners.flowPlusPlus(8).blocks(1).heads(2),
        AutoregressiveOrder.natural(), AutoregressiveDirection.IAF, AffineScale.sigmoid())).message())
        .isEqualTo("iaf on a vector needs a MADE network, iaf(hiddenWidths...) or "
            + "iaf(Conditioners.mlp(hiddenWidths...)), but the input [6] got a flowPlusPlus conditioner (for "
            + "couplings).");
  }

  @Test
  void autoregressiveStepsTakeAnAffineOrASplineTransformAndSplinesOnlyOnVectors() {
    assertThat(onlyProblem(Shape.of(4), new MaskedAutoregressive(mlp(8), AutoregressiveOrder.natural(),
        AutoregressiveDirection.MAF, Transforms.mixtureLogistics(2))).message())
        .isEqualTo("maf takes an affine or a rationalQuadraticSpline transform, but got mixtureLogistics.");
    assertThat(onlyProblem(Shape.of(4, 4, 1), new MaskedAutoregressive(Conditioners.pixelCnn(8).layers(2),
        AutoregressiveOrder.natural(), AutoregressiveDirection.MAF, Transforms.spline())).message())
        .isEqualTo("maf with a spline transform is for vectors (a MADE), but the input is [4, 4, 1]. On images use "
            + "spline couplings, splineCoupling(mask, Conditioners.convNet(width)).");
    assertThat(Flows.sequential(Shape.of(4)).steps(2, s -> s.iaf(AutoregressiveOrder.reversed(), mlp(8),
        Transforms.spline()).maf(AutoregressiveOrder.natural(), mlp(8), Transforms.affine())).build().levels()
        .get(0).steps()).hasSize(4);
  }

  @Test
  void iafIsRejectedOnImages() {
    assertThat(onlyProblem(Shape.of(4, 4, 1), new MaskedAutoregressive(Conditioners.pixelCnn(8).layers(2),
        AutoregressiveOrder.natural(), AutoregressiveDirection.IAF, AffineScale.expSoftClamp(2.0))).message())
        .isEqualTo("iaf is not supported on an image ([4, 4, 1]): its density pass would run pixel by pixel in a "
            + "graph loop that carries no gradient, so it could not be trained. Use "
            + "maf(Conditioners.pixelCnn(width).layers(n)), whose density pass is one network evaluation.");
  }

  @Test
  void pixelCnnMafRejectsRandomOrdersSinglePixelsAndLipswishTogether() {
    FlowSpec spec = new FlowSpec(Shape.of(1, 1, 3), Layout.SEQUENTIAL, List.of(new LevelSpec(List.of(
        pixelCnnMaf(AutoregressiveOrder.random(5), Conditioners.pixelCnn(8).layers(2).activation(Activation.LIPSWISH))))),
        Bases.standardNormal());
    assertThat(Flows.problems(spec)).extracting(Problem::message).containsExactly(
        "maf on an image visits the pixels in raster order, natural() or reversed(), but the order is random(5).",
        "maf needs at least 2 pixels to have something to condition on, but the input is [1, 1, 3]. Use actNorm "
            + "or invertibleConv1x1 for a single pixel.",
        "LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in a pixelCnn "
            + "conditioner.");
  }

  @Test
  void pixelCnnMafAcceptsImagesOfTwoOrMorePixelsInEitherRasterOrder() {
    for (Shape shape : List.of(Shape.of(1, 2, 1), Shape.of(2, 1, 3), Shape.of(28, 28, 1))) {
      FlowSpec spec = Flows.sequential(shape).steps(2, step -> step.maf(Conditioners.pixelCnn(8).layers(3))
          .maf(AutoregressiveOrder.reversed(), Conditioners.pixelCnn(4).layers(1).kernelSize(5))).build();
      assertThat(spec.steps()).hasSize(4);
    }
  }

  @Test
  void couplingsRejectPixelCnn() {
    String message = "a pixelCnn conditioner is masked for autoregressive steps (maf) and would hide most of the "
        + "input from a coupling. Use Conditioners.convNet(width) in couplings.";
    assertThat(onlyProblem(Shape.of(4, 4, 2), affine(Mask.CHANNELS, Conditioners.pixelCnn(8).layers(2))).message())
        .isEqualTo(message);
    assertThat(onlyProblem(Shape.of(4, 4, 2), new AdditiveCoupling(Mask.CHECKERBOARD, Conditioners.pixelCnn(8).layers(2)))
        .message()).isEqualTo(message);
    assertThat(onlyProblem(Shape.of(4, 4, 2),
        new MixtureLogisticsCoupling(Mask.CHANNELS, Conditioners.pixelCnn(8).layers(2), 2)).message()).isEqualTo(message);
  }

  @Test
  void autoregressiveStepsNeedTwoFeatures() {
    assertThat(onlyProblem(Shape.of(1), autoregressive(AutoregressiveDirection.MAF, Activation.RELU)).message())
        .isEqualTo("maf needs at least 2 features to have something to condition on, but the input has 1 feature "
            + "([1]). Use actNorm for a single feature.");
  }

  @Test
  void autoregressiveStepsRejectLipswishAlongWithTheShape() {
    FlowSpec spec = new FlowSpec(Shape.of(1), Layout.SEQUENTIAL,
        List.of(new LevelSpec(List.of(autoregressive(AutoregressiveDirection.IAF, Activation.LIPSWISH)))),
        Bases.standardNormal());
    assertThat(Flows.problems(spec)).extracting(Problem::message).containsExactly(
        "iaf needs at least 2 features to have something to condition on, but the input has 1 feature ([1]). "
            + "Use actNorm for a single feature.",
        "LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in a MADE "
            + "network.");
  }

  @Test
  void autoregressiveStepsAcceptVectorsOfTwoOrMore() {
    for (int d : new int[] {2, 3, 100}) {
      FlowSpec spec = Flows.sequential(Shape.of(d)).steps(2, step -> step.maf(4).iaf(AutoregressiveOrder.random(d), 4))
          .build();
      assertThat(spec.steps()).hasSize(4);
    }
  }

  @Test
  void invertibleConv1x1QrTakesVectorsAndImages() {
    assertThat(Flows.sequential(Shape.of(3)).steps(1, s -> s.invertibleConv1x1(Conv1x1.QR)).build().steps())
        .containsExactly(new InvertibleConv1x1(Conv1x1.QR));
    assertThat(Flows.sequential(Shape.of(2, 2, 4)).steps(1, s -> s.invertibleConv1x1(Conv1x1.QR)).build().steps())
        .containsExactly(new InvertibleConv1x1(Conv1x1.QR));
    assertThat(onlyProblem(Shape.of(2, 3), new InvertibleConv1x1(Conv1x1.QR)).message())
        .isEqualTo("invertibleConv1x1 needs a vector or an image input, but the input is [2, 3].");
  }

  // ---- emerging and periodic convolutions

  @Test
  void hoogeboomConvolutionsNeedAnImage() {
    assertThat(onlyProblem(Shape.of(4), new EmergingConv(3)).message()).isEqualTo(
        "emergingConv needs an image input [h, w, c], but the input is [4]. Use invertibleConv1x1 or maf for "
            + "vectors.");
    assertThat(onlyProblem(Shape.of(2, 3), new PeriodicConv(3)).message()).isEqualTo(
        "periodicConv needs an image input [h, w, c], but the input is [2, 3]. Use invertibleConv1x1 for vectors.");
  }

  @Test
  void mixtureLogisticsCouplingFollowsTheCouplingRules() {
    assertThat(onlyProblem(Shape.of(28, 28, 1),
        new MixtureLogisticsCoupling(Mask.CHANNELS, Conditioners.convNet(8), 4)).message()).isEqualTo(
        "the mask must leave both halves non-empty, but the input has 1 channel ([28, 28, 1]). Add squeeze() "
            + "before it.");
    assertThat(new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 4).logDetKind())
        .isEqualTo(LogDetKind.EXACT);
    assertThat(new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 4).inverseKind())
        .isEqualTo(InverseKind.ITERATIVE);
  }

  @Test
  void periodicKernelMustFitTheImage() {
    assertThat(onlyProblem(Shape.of(4, 2, 8), new PeriodicConv(3)).message()).isEqualTo(
        "periodicConv's kernel must fit in the image (kernelSize ≤ min(h, w)), but kernelSize was 3 and the input "
            + "is [4, 2, 8]. Use a smaller kernel or move the step before squeeze().");
    assertThat(Flows.sequential(Shape.of(4, 4, 1)).steps(1, s -> s.periodicConv(4)).build().steps())
        .containsExactly(new PeriodicConv(4));
  }

  @Test
  void emergingKernelMayExceedTheImage() {
    // Zero padding: taps outside the image read zeros, the Jacobian stays triangular.
    assertThat(Flows.sequential(Shape.of(2, 2, 1)).steps(1, s -> s.emergingConv(5)).build().steps())
        .containsExactly(new EmergingConv(5));
  }

  @Test
  void aPeriodicKernelThatNoLongerFitsAfterSqueezeIsReportedThere() {
    FlowSpec spec = new FlowSpec(Shape.of(4, 4, 1), Layout.SEQUENTIAL,
        List.of(new LevelSpec(List.of(new PeriodicConv(3), new Squeeze(2), new PeriodicConv(3)))),
        Bases.standardNormal());
    assertThat(Flows.problems(spec)).extracting(Problem::location).containsExactly("steps[2]");
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

  // ---- variational dequantization (Flow++)

  private static final Shape IMAGE = Shape.of(4, 4, 2);

  private static FlowSpec withNoiseFlow(FlowSpec noiseFlow) {
    return new FlowSpec(IMAGE, Layout.SEQUENTIAL, List.of(new LevelSpec(List.of(new ActNorm()))),
        Bases.standardNormal(), Dequantization.variational(256, noiseFlow), LogitTransform.none());
  }

  private static String onlyMessage(FlowSpec spec) {
    List<Problem> problems = Flows.problems(spec);
    assertThat(problems).hasSize(1);
    return problems.get(0).describe();
  }

  @Test
  void dequantizationFlowMustMatchTheData() {
    FlowSpec otherShape = Flows.sequential(Shape.of(4, 4, 1)).steps(1, s -> s.actNorm()).build();
    assertThat(onlyMessage(withNoiseFlow(otherShape))).isEqualTo("dequantization (variational): the dequantization "
        + "flow must have the data's shape [4, 4, 2], but it has [4, 4, 1]. Declare it with "
        + "Flows.sequential([4, 4, 2]).");
    FlowSpec multiscale = Flows.multiscale(IMAGE).levels(1, level -> level.actNorm()).build();
    assertThat(onlyMessage(withNoiseFlow(multiscale))).isEqualTo("dequantization (variational): the dequantization "
        + "flow must be sequential (its output is the noise, with the data's shape), but it is multiscale. Declare "
        + "it with Flows.sequential(shape).");
    FlowSpec dequantizing = Flows.sequential(IMAGE).dequantize(Dequantization.uniform(256))
        .steps(1, s -> s.actNorm()).build();
    assertThat(onlyMessage(withNoiseFlow(dequantizing))).isEqualTo("dequantization (variational): the "
        + "dequantization flow transforms noise, not pixels, so it cannot dequantize or apply the logit itself. "
        + "Remove dequantize(...) and logit(...) from it.");
  }

  @Test
  void dequantizationFlowKeepsTheShapeAndTakesTheCondition() {
    FlowSpec squeezing = Flows.sequential(IMAGE).steps(1, s -> s.actNorm().squeeze().actNorm()).build();
    assertThat(onlyMessage(withNoiseFlow(squeezing))).isEqualTo("dequantization.flow.steps[1] (squeeze): a "
        + "dequantization flow keeps the data's shape (its output is the noise u), so it cannot use squeeze.");
    FlowSpec vector = Flows.sequential(Shape.of(4)).steps(1, s -> s.maf(16)).build();
    FlowSpec vectorData = new FlowSpec(Shape.of(4), Layout.SEQUENTIAL,
        List.of(new LevelSpec(List.of(new ActNorm()))), Bases.standardNormal(),
        Dequantization.variational(256, vector), LogitTransform.none());
    assertThat(onlyMessage(vectorData)).isEqualTo("dequantization.flow.steps[0] (maf): "
        + "maf has no input for the condition (the pixels), so q(u | x) would ignore x. Use "
        + "couplings, whose conditioners receive it.");
    FlowSpec residual = Flows.sequential(IMAGE).steps(1, s -> s.actNorm().residualBlock(b -> b.lipschitzConvNet(8)))
        .build();
    assertThat(onlyMessage(withNoiseFlow(residual))).isEqualTo("dequantization.flow.steps[1] (residualBlock): "
        + "residualBlock has no input for the condition (the pixels), so q(u | x) would ignore x. Use "
        + "couplings, whose conditioners receive it.");
  }

  @Test
  void dequantizationFlowStepsAndContextAreCheckedWhereTheyAre() {
    FlowSpec halfMask = new FlowSpec(IMAGE, Layout.SEQUENTIAL,
        List.of(new LevelSpec(List.of(affine(Mask.HALF, mlp(8))))), Bases.standardNormal());
    assertThat(Flows.problems(withNoiseFlow(halfMask))).extracting(Problem::location)
        .containsExactly("dequantization.flow.steps[0]", "dequantization.flow.steps[0]");
    FlowSpec fine = Flows.sequential(IMAGE).steps(1, s -> s.actNorm()).build();
    FlowSpec mlpContext = new FlowSpec(IMAGE, Layout.SEQUENTIAL, List.of(new LevelSpec(List.of(new ActNorm()))),
        Bases.standardNormal(), Dequantization.variational(256, fine, mlp(8), 4), LogitTransform.none());
    assertThat(Flows.problems(mlpContext)).extracting(Problem::location).containsExactly("dequantization.context");
    assertThat(Flows.problems(withNoiseFlow(fine))).isEmpty();
  }

  @Test
  void variationalDequantizationArgumentsAreChecked() {
    FlowSpec fine = Flows.sequential(IMAGE).steps(1, s -> s.actNorm()).build();
    assertThatThrownBy(() -> Dequantization.variational(100, fine))
        .hasMessage("levels must be a power of two from 2 to 256 (the n of n-bit data), but was 100");
    assertThatThrownBy(() -> Dequantization.variational(256, fine, convNet(8), 0))
        .hasMessage("contextFeatures must be at least 1, but was 0");
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
    FlowSpec glow = Presets.glow(Shape.of(8, 8, 3)).levels(2).stepsPerLevel(1).width(4).build();
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
