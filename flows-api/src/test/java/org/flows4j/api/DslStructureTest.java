package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.flows4j.api.conditioner.Conditioners.convNet;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import java.util.List;
import org.flows4j.api.base.Bases;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.Logit;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.data.NoDequantization;
import org.flows4j.api.data.NoLogit;
import org.flows4j.api.data.UniformDequantization;
import org.flows4j.api.residual.ExactLogDet;
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
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.Reverse;
import org.flows4j.api.step.Shuffle;
import org.flows4j.api.step.Squeeze;
import org.junit.jupiter.api.Test;

/** Each DSL call appends exactly the record it names, in order. */
class DslStructureTest {

  @Test
  void sequentialFlowIsOneLevelWithStandardNormalBase() {
    FlowSpec spec = Flows.sequential(Shape.of(4)).steps(2, step -> step.actNorm().reverse()).build();
    assertThat(spec.layout()).isEqualTo(Layout.SEQUENTIAL);
    assertThat(spec.levels()).hasSize(1);
    assertThat(spec.base()).isEqualTo(Bases.standardNormal());
    assertThat(spec.steps()).containsExactly(new ActNorm(), new Reverse(), new ActNorm(), new Reverse());
  }

  @Test
  void everyStepsBuilderMethodAppendsItsRecord() {
    FlowSpec spec = Flows.sequential(Shape.of(8, 8, 2))
        .steps(1, step -> step
            .actNorm()
            .additiveCoupling(Mask.CHECKERBOARD, convNet(4))
            .additiveCoupling(convNet(5))
            .affineCoupling(Mask.CHANNELS_FLIPPED, convNet(6))
            .affineCoupling(Mask.CHECKERBOARD_FLIPPED, convNet(7), AffineScale.sigmoid())
            .affineCoupling(convNet(8))
            .invertibleConv1x1(Conv1x1.PLAIN)
            .reverse()
            .shuffle(42L)
            .squeeze()
            .squeeze(2)
            .factorOut()
            .add(new ActNorm()))
        .build();
    AffineScale defaultScale = AffineScale.expSoftClamp(2.0);
    assertThat(spec.steps()).containsExactly(
        new ActNorm(),
        new AdditiveCoupling(Mask.CHECKERBOARD, convNet(4)),
        new AdditiveCoupling(Mask.CHANNELS, convNet(5)),
        new AffineCoupling(Mask.CHANNELS_FLIPPED, convNet(6), defaultScale),
        new AffineCoupling(Mask.CHECKERBOARD_FLIPPED, convNet(7), AffineScale.sigmoid()),
        new AffineCoupling(Mask.CHANNELS, convNet(8), defaultScale),
        new InvertibleConv1x1(Conv1x1.PLAIN),
        new Reverse(),
        new Shuffle(42L),
        new Squeeze(2),
        new Squeeze(2),
        new FactorOut(),
        new ActNorm());
  }

  @Test
  void everyConvolutionMethodAppendsItsRecord() {
    FlowSpec spec = Flows.sequential(Shape.of(4, 4, 2))
        .steps(1, step -> step.emergingConv(3).periodicConv(3).emergingConv(5).periodicConv(1))
        .build();
    assertThat(spec.steps()).containsExactly(
        new EmergingConv(3), new PeriodicConv(3), new EmergingConv(5), new PeriodicConv(1));
  }

  @Test
  void everyAutoregressiveMethodAppendsItsRecord() {
    FlowSpec spec = Flows.sequential(Shape.of(4))
        .steps(1, step -> step
            .maf(16, 8)
            .maf(AutoregressiveOrder.random(5), 32)
            .iaf(12)
            .iaf(AutoregressiveOrder.reversed(), 6, 6)
            .invertibleConv1x1(Conv1x1.QR))
        .build();
    AffineScale defaultScale = AffineScale.expSoftClamp(2.0);
    assertThat(spec.steps()).containsExactly(
        new MaskedAutoregressive(new MlpConditioner(List.of(16, 8), Activation.RELU, true),
            AutoregressiveOrder.natural(), AutoregressiveDirection.MAF, defaultScale),
        new MaskedAutoregressive(new MlpConditioner(List.of(32), Activation.RELU, true),
            AutoregressiveOrder.random(5), AutoregressiveDirection.MAF, defaultScale),
        new MaskedAutoregressive(new MlpConditioner(List.of(12), Activation.RELU, true),
            AutoregressiveOrder.natural(), AutoregressiveDirection.IAF, defaultScale),
        new MaskedAutoregressive(new MlpConditioner(List.of(6, 6), Activation.RELU, true),
            AutoregressiveOrder.reversed(), AutoregressiveDirection.IAF, defaultScale),
        new InvertibleConv1x1(Conv1x1.QR));
  }

  @Test
  void theAutoregressiveBuilderCopiesItsWidths() {
    int[] widths = {8, 8};
    FlowSpec spec = Flows.sequential(Shape.of(3)).steps(1, step -> step.maf(widths)).build();
    widths[0] = 99;
    assertThat(((MaskedAutoregressive) spec.steps().get(0)).conditioner()).isEqualTo(Conditioners.mlp(8, 8));
  }

  @Test
  void defaultMaskIsHalfForVectors() {
    FlowSpec spec = Flows.sequential(Shape.of(4))
        .steps(1, step -> step.affineCoupling(mlp(8)).additiveCoupling(mlp(8)))
        .build();
    assertThat(spec.steps()).containsExactly(
        new AffineCoupling(Mask.HALF, mlp(8), AffineScale.expSoftClamp(2.0)),
        new AdditiveCoupling(Mask.HALF, mlp(8)));
  }

  @Test
  void stepsIndexedPassesIndicesInOrderAndNestedStepsAppendInPlace() {
    FlowSpec spec = Flows.sequential(Shape.of(4))
        .stepsIndexed(3, (i, step) -> step.shuffle(i).steps(2, inner -> inner.actNorm()))
        .add(new Reverse())
        .steps(1, step -> step.stepsIndexed(2,
            (i, inner) -> inner.additiveCoupling(Mask.HALF.flippedIf(i % 2 == 1), mlp(2))))
        .build();
    assertThat(spec.steps()).containsExactly(
        new Shuffle(0), new ActNorm(), new ActNorm(),
        new Shuffle(1), new ActNorm(), new ActNorm(),
        new Shuffle(2), new ActNorm(), new ActNorm(),
        new Reverse(),
        new AdditiveCoupling(Mask.HALF, mlp(2)),
        new AdditiveCoupling(Mask.HALF_FLIPPED, mlp(2)));
  }

  @Test
  void multiscaleAppendsFactorOutToEveryLevelButTheLast() {
    FlowSpec spec = Flows.multiscale(Shape.of(16, 16, 1))
        .levels(2, level -> level.squeeze().actNorm())
        .level(level -> level.squeeze().reverse())
        .base(Bases.diagonalGaussian())
        .build();
    assertThat(spec.layout()).isEqualTo(Layout.MULTISCALE);
    assertThat(spec.base()).isEqualTo(Bases.diagonalGaussian());
    assertThat(spec.levels()).containsExactly(
        new LevelSpec(List.of(new Squeeze(2), new ActNorm(), new FactorOut())),
        new LevelSpec(List.of(new Squeeze(2), new ActNorm(), new FactorOut())),
        new LevelSpec(List.of(new Squeeze(2), new Reverse())));
  }

  @Test
  void levelsIndexedCountsWithinTheCall() {
    FlowSpec spec = Flows.multiscale(Shape.of(8, 8, 4))
        .level(level -> level.actNorm())
        .levelsIndexed(2, (i, level) -> level.shuffle(i))
        .build();
    assertThat(spec.levels()).containsExactly(
        new LevelSpec(List.of(new ActNorm(), new FactorOut())),
        new LevelSpec(List.of(new Shuffle(0), new FactorOut())),
        new LevelSpec(List.of(new Shuffle(1))));
  }

  @Test
  void preprocessingDefaultsToNone() {
    FlowSpec sequential = Flows.sequential(Shape.of(2)).steps(1, step -> step.actNorm()).build();
    FlowSpec multiscale = Flows.multiscale(Shape.of(4, 4, 1)).levels(2, level -> level.squeeze()).build();
    for (FlowSpec spec : List.of(sequential, multiscale)) {
      assertThat(spec.dequantization()).isEqualTo(new NoDequantization()).isEqualTo(Dequantization.none());
      assertThat(spec.logit()).isEqualTo(new NoLogit()).isEqualTo(LogitTransform.none());
    }
  }

  @Test
  void dequantizeAndLogitSetTheRecordsTheyName() {
    FlowSpec sequential = Flows.sequential(Shape.of(2))
        .dequantize(Dequantization.uniform(256)).logit(0.05)
        .steps(1, step -> step.actNorm())
        .build();
    assertThat(sequential.dequantization()).isEqualTo(new UniformDequantization(256));
    assertThat(sequential.logit()).isEqualTo(new Logit(0.05));
    assertThat(sequential.steps()).containsExactly(new ActNorm());

    FlowSpec multiscale = Flows.multiscale(Shape.of(8, 8, 1))
        .levels(2, level -> level.squeeze().actNorm())
        .dequantize(Dequantization.uniform(32))
        .build();
    assertThat(multiscale.dequantization()).isEqualTo(new UniformDequantization(32));
    assertThat(multiscale.logit()).isEqualTo(new NoLogit());
    assertThat(multiscale.levels()).containsExactly(
        new LevelSpec(List.of(new Squeeze(2), new ActNorm(), new FactorOut())),
        new LevelSpec(List.of(new Squeeze(2), new ActNorm())));
  }

  @Test
  void theLastDequantizeAndLogitWin() {
    FlowSpec spec = Flows.multiscale(Shape.of(4, 4, 1))
        .dequantize(Dequantization.uniform(256)).logit(0.05)
        .level(level -> level.squeeze())
        .dequantize(Dequantization.uniform(16)).logit(1e-6)
        .build();
    assertThat(spec.dequantization()).isEqualTo(Dequantization.uniform(16));
    assertThat(spec.logit()).isEqualTo(LogitTransform.of(1e-6));
  }

  @Test
  void preprocessingLeavesTheShapesAlone() {
    FlowSpec plain = Presets.glow(Shape.of(16, 16, 3)).levels(2).stepsPerLevel(1).width(8).build();
    FlowSpec preprocessed = plain.withPreprocessing(Dequantization.uniform(256), LogitTransform.of(0.05));
    assertThat(Flows.shapes(preprocessed)).isEqualTo(Flows.shapes(plain));
  }

  @Test
  void uniformDequantizationKnowsItsBits() {
    assertThat(new UniformDequantization(2).bits()).isEqualTo(1);
    assertThat(new UniformDequantization(32).bits()).isEqualTo(5);
    assertThat(new UniformDequantization(256).bits()).isEqualTo(8);
  }

  @Test
  void singleLevelMultiscaleHasNoFactorOut() {
    FlowSpec spec = Flows.multiscale(Shape.of(4, 4, 2)).level(level -> level.actNorm()).build();
    assertThat(spec.levels()).containsExactly(new LevelSpec(List.of(new ActNorm())));
  }

  // ---- residual blocks

  private static final RussianRoulette PAPER_TRAINING =
      new RussianRoulette(TermDistribution.GEOMETRIC, 0.5, 2, GradientMode.NEUMANN);

  @Test
  void residualBlockDefaultsAreThePapers() {
    ResidualBlock block = new ResidualBlockBuilder().lipschitzMlp(128, 64).build();
    assertThat(block).isEqualTo(new ResidualBlock(
        new LipschitzMlp(List.of(128, 64)),
        Activation.LIPSWISH,
        new SpectralNormalization(0.98, 1e-3, 20),
        PAPER_TRAINING,
        new RussianRoulette(TermDistribution.GEOMETRIC, 0.5, 20, GradientMode.NEUMANN),
        new FixedPointInverse(1e-5, 1e-5, 100)));
    assertThat(SpectralNormalization.defaults()).isEqualTo(new SpectralNormalization(0.98, 1e-3, 20));
    assertThat(FixedPointInverse.defaults()).isEqualTo(new FixedPointInverse(1e-5, 1e-5, 100))
        .isEqualTo(Inverse.fixedPoint());
    assertThat(new ResidualBlockBuilder().lipschitzConvNet(32).build().branch())
        .isEqualTo(new LipschitzConvNet(32, true));
  }

  @Test
  void theDefaultEvaluationEstimatorFollowsTheTrainingOne() {
    // A Russian roulette: the same one with 20 exact terms.
    assertThat(new ResidualBlockBuilder().lipschitzMlp(8)
            .logDet(LogDet.russianRoulettePoisson(2.0).exactTerms(3)).build().evaluationLogDet())
        .isEqualTo(new RussianRoulette(TermDistribution.POISSON, 2.0, 20, GradientMode.NEUMANN));
    assertThat(new ResidualBlockBuilder().lipschitzMlp(8)
            .logDet(LogDet.russianRoulette(0.3).exactTerms(25)).build().evaluationLogDet())
        .isEqualTo(new RussianRoulette(TermDistribution.GEOMETRIC, 0.3, 20, GradientMode.NEUMANN));
    // Anything else: the training estimator itself.
    assertThat(new ResidualBlockBuilder().lipschitzMlp(8).logDet(LogDet.truncatedSeries(7)).build()
            .evaluationLogDet())
        .isEqualTo(new TruncatedSeries(7, GradientMode.BACKPROP));
    assertThat(new ResidualBlockBuilder().lipschitzMlp(8).logDet(LogDet.exact()).build().evaluationLogDet())
        .isEqualTo(new ExactLogDet());
    // An explicit evaluation estimator wins, whichever is set first.
    assertThat(new ResidualBlockBuilder().lipschitzMlp(8).evaluationLogDet(LogDet.exact())
            .logDet(LogDet.russianRoulette(0.5)).build().evaluationLogDet())
        .isEqualTo(new ExactLogDet());
  }

  @Test
  void everyResidualBlockBuilderMethodSetsItsField() {
    FlowSpec spec = Flows.sequential(Shape.of(4, 4, 2))
        .steps(1, step -> step
            .residualBlock(b -> b
                .lipschitzMlp(16)
                .branch(new LipschitzConvNet(8, false))
                .activation(Activation.ELU)
                .spectralNormalization(new SpectralNormalization(0.9, 1e-4, 5))
                .lipschitzCoeff(0.8)
                .logDet(LogDet.truncatedSeries(4).neumannGradient())
                .evaluationLogDet(LogDet.russianRoulette(0.2).exactTerms(30))
                .inverse(Inverse.fixedPoint().atol(1e-6).rtol(0).maxIterations(500)))
            .actNorm())
        .build();
    assertThat(spec.steps()).containsExactly(
        new ResidualBlock(
            new LipschitzConvNet(8, false),
            Activation.ELU,
            // lipschitzCoeff keeps the tolerance and iterations set before it.
            new SpectralNormalization(0.8, 1e-4, 5),
            new TruncatedSeries(4, GradientMode.NEUMANN),
            new RussianRoulette(TermDistribution.GEOMETRIC, 0.2, 30, GradientMode.NEUMANN),
            new FixedPointInverse(1e-6, 0, 500)),
        new ActNorm());
  }

  @Test
  void logDetAndInverseFactoriesBuildTheRecordsTheyName() {
    assertThat(LogDet.exact()).isEqualTo(new ExactLogDet());
    assertThat(ExactLogDet.MAX_FEATURES).isEqualTo(64);
    assertThat(LogDet.truncatedSeries(5)).isEqualTo(new TruncatedSeries(5, GradientMode.BACKPROP));
    assertThat(LogDet.truncatedSeries(5).neumannGradient()).isEqualTo(new TruncatedSeries(5, GradientMode.NEUMANN));
    assertThat(LogDet.truncatedSeries(5).neumannGradient().backpropGradient()).isEqualTo(LogDet.truncatedSeries(5));
    assertThat(LogDet.russianRoulette(0.5)).isEqualTo(PAPER_TRAINING);
    assertThat(LogDet.russianRoulettePoisson(3.0))
        .isEqualTo(new RussianRoulette(TermDistribution.POISSON, 3.0, 2, GradientMode.NEUMANN));
    assertThat(LogDet.russianRoulette(0.5).exactTerms(0).backpropGradient())
        .isEqualTo(new RussianRoulette(TermDistribution.GEOMETRIC, 0.5, 0, GradientMode.BACKPROP));
    assertThat(LogDet.russianRoulette(0.5).backpropGradient().neumannGradient()).isEqualTo(PAPER_TRAINING);
    assertThat(Inverse.fixedPoint().atol(1e-3)).isEqualTo(new FixedPointInverse(1e-3, 1e-5, 100));
    assertThat(Inverse.fixedPoint().rtol(1e-3)).isEqualTo(new FixedPointInverse(1e-5, 1e-3, 100));
    assertThat(Inverse.fixedPoint().maxIterations(7)).isEqualTo(new FixedPointInverse(1e-5, 1e-5, 7));
    assertThat(SpectralNormalization.defaults().withCoeff(0.5)).isEqualTo(new SpectralNormalization(0.5, 1e-3, 20));
  }

  @Test
  void theResidualBlockBuilderCopiesItsWidths() {
    int[] widths = {8, 16};
    ResidualBlockBuilder builder = new ResidualBlockBuilder().lipschitzMlp(widths);
    widths[0] = 99;
    assertThat(builder.build().branch()).isEqualTo(new LipschitzMlp(List.of(8, 16)));
    assertThat(builder.build()).isEqualTo(builder.build());
  }
}
