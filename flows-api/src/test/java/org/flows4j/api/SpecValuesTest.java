package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.flows4j.api.conditioner.Conditioners.convNet;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.base.Bases;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.base.StandardNormal;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.Logit;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.data.NoDequantization;
import org.flows4j.api.data.NoLogit;
import org.flows4j.api.data.UniformDequantization;
import org.flows4j.api.residual.FixedPointInverse;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.ResidualBlockBuilder;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.InverseKind;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.api.step.LogDetKind;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.StepSpec;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.MaskedAutoregressive;
import com.google.common.collect.ImmutableList;
import org.junit.jupiter.api.Test;

/** Specs are values: equal when built the same way, immutable, and they reject nulls. */
class SpecValuesTest {

  private static FlowSpec smallFlow() {
    return Flows.sequential(Shape.of(4))
        .stepsIndexed(2, (i, step) -> step.actNorm().affineCoupling(Mask.HALF.flippedIf(i % 2 == 1), mlp(8, 8)))
        .build();
  }

  @Test
  void specsBuiltTheSameWayAreEqualWithEqualHashCodes() {
    assertThat(smallFlow()).isEqualTo(smallFlow()).hasSameHashCodeAs(smallFlow());
    assertThat(Presets.glow(Shape.of(16, 16, 3)).levels(2).stepsPerLevel(2).width(32).build())
        .isEqualTo(Presets.glow(Shape.of(16, 16, 3)).levels(2).stepsPerLevel(2).width(32).build())
        .hasSameHashCodeAs(Presets.glow(Shape.of(16, 16, 3)).levels(2).stepsPerLevel(2).width(32).build());
  }

  @Test
  void specsThatDifferAnywhereAreNotEqual() {
    FlowSpec otherWidth = Flows.sequential(Shape.of(4))
        .stepsIndexed(2, (i, step) -> step.actNorm().affineCoupling(Mask.HALF.flippedIf(i % 2 == 1), mlp(8, 9)))
        .build();
    FlowSpec otherBase = Flows.sequential(Shape.of(4))
        .stepsIndexed(2, (i, step) -> step.actNorm().affineCoupling(Mask.HALF.flippedIf(i % 2 == 1), mlp(8, 8)))
        .base(Bases.standardLogistic())
        .build();
    assertThat(smallFlow()).isNotEqualTo(otherWidth).isNotEqualTo(otherBase);
  }

  @Test
  void specsThatDifferOnlyInPreprocessingAreNotEqual() {
    FlowSpec plain = smallFlow();
    FlowSpec uniform256 = plain.withPreprocessing(Dequantization.uniform(256), LogitTransform.none());
    FlowSpec uniform32 = plain.withPreprocessing(Dequantization.uniform(32), LogitTransform.none());
    FlowSpec logit = plain.withPreprocessing(Dequantization.uniform(256), LogitTransform.of(0.05));
    FlowSpec otherAlpha = plain.withPreprocessing(Dequantization.uniform(256), LogitTransform.of(1e-6));
    assertThat(List.of(plain, uniform256, uniform32, logit, otherAlpha)).doesNotHaveDuplicates();
    assertThat(logit)
        .isEqualTo(plain.withPreprocessing(Dequantization.uniform(256), LogitTransform.of(0.05)))
        .hasSameHashCodeAs(plain.withPreprocessing(Dequantization.uniform(256), LogitTransform.of(0.05)));
    assertThat(Flows.sequential(Shape.of(4))
            .stepsIndexed(2, (i, step) -> step.actNorm().affineCoupling(Mask.HALF.flippedIf(i % 2 == 1), mlp(8, 8)))
            .dequantize(Dequantization.uniform(256)).logit(0.05)
            .build())
        .isEqualTo(logit);
  }

  @Test
  void theShortConstructorMeansNoPreprocessing() {
    FlowSpec plain = smallFlow();
    FlowSpec full = new FlowSpec(plain.inputShape(), plain.layout(), plain.levels(), plain.base(),
        Dequantization.none(), LogitTransform.none());
    assertThat(new FlowSpec(plain.inputShape(), plain.layout(), plain.levels(), plain.base()))
        .isEqualTo(full).isEqualTo(plain).hasSameHashCodeAs(full);
  }

  @Test
  void withPreprocessingReturnsANewSpecAndKeepsTheRest() {
    FlowSpec plain = smallFlow();
    FlowSpec preprocessed = plain.withPreprocessing(Dequantization.uniform(256), LogitTransform.of(0.05));
    assertThat(plain.dequantization()).isEqualTo(Dequantization.none());
    assertThat(plain.logit()).isEqualTo(LogitTransform.none());
    assertThat(preprocessed.inputShape()).isEqualTo(plain.inputShape());
    assertThat(preprocessed.layout()).isEqualTo(plain.layout());
    assertThat(preprocessed.levels()).isEqualTo(plain.levels());
    assertThat(preprocessed.base()).isEqualTo(plain.base());
    assertThat(preprocessed.withPreprocessing(Dequantization.none(), LogitTransform.none())).isEqualTo(plain);
  }

  @Test
  void preprocessingValueEquality() {
    assertThat(Dequantization.uniform(256)).isEqualTo(new UniformDequantization(256))
        .hasSameHashCodeAs(new UniformDequantization(256)).isNotEqualTo(Dequantization.uniform(128));
    assertThat(Dequantization.none()).isEqualTo(new NoDequantization()).hasSameHashCodeAs(new NoDequantization());
    assertThat(LogitTransform.of(0.05)).isEqualTo(new Logit(0.05)).hasSameHashCodeAs(new Logit(0.05))
        .isNotEqualTo(LogitTransform.of(0.05 + 1e-12));
    assertThat(LogitTransform.none()).isEqualTo(new NoLogit()).hasSameHashCodeAs(new NoLogit());
    assertThat(LogitTransform.of(1e-6)).isNotEqualTo(LogitTransform.none());
  }

  @Test
  void recordValueEquality() {
    assertThat(Shape.of(28, 28, 1)).isEqualTo(Shape.copyOf(List.of(28, 28, 1))).hasSameHashCodeAs(Shape.of(28, 28, 1));
    assertThat(new AffineCoupling(Mask.HALF, mlp(4), AffineScale.expSoftClamp(2.0)))
        .isEqualTo(new AffineCoupling(Mask.HALF, mlp(4), AffineScale.expSoftClamp(2.0)))
        .isNotEqualTo(new AffineCoupling(Mask.HALF, mlp(4), AffineScale.sigmoid()));
    assertThat(new ActNorm()).isEqualTo(new ActNorm());
    assertThat(Bases.standardNormal()).isEqualTo(new StandardNormal());
    assertThat(convNet(8)).isNotEqualTo(convNet(8).zeroInitLast(false));
  }

  @Test
  void specsCopyTheirListsAndCannotBeChanged() {
    List<StepSpec> steps = new ArrayList<>(List.of(new ActNorm()));
    LevelSpec level = new LevelSpec(steps);
    steps.add(new ActNorm());
    assertThat(level.steps()).hasSize(1);
    assertThatThrownBy(() -> level.steps().add(new ActNorm())).isInstanceOf(UnsupportedOperationException.class);

    FlowSpec spec = smallFlow();
    assertThatThrownBy(() -> spec.levels().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> spec.inputShape().dims().set(0, 3)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void builderStaysUsableAndEachBuildIsIndependent() {
    SequentialFlowBuilder builder = Flows.sequential(Shape.of(4)).steps(1, step -> step.actNorm());
    FlowSpec first = builder.build();
    FlowSpec second = builder.steps(1, step -> step.reverse()).build();
    assertThat(first.steps()).containsExactly(new ActNorm());
    assertThat(second.steps()).hasSize(2);
  }

  @Test
  void recordsRejectNullsNamingTheComponent() {
    assertThatThrownBy(() -> new FlowSpec(null, Layout.SEQUENTIAL, List.of(), Bases.standardNormal()))
        .isInstanceOf(NullPointerException.class).hasMessage("inputShape");
    assertThatThrownBy(() -> new FlowSpec(Shape.of(2), null, List.of(), Bases.standardNormal()))
        .isInstanceOf(NullPointerException.class).hasMessage("layout");
    assertThatThrownBy(() -> new FlowSpec(Shape.of(2), Layout.SEQUENTIAL, List.of(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("base");
    assertThatThrownBy(() -> new FlowSpec(Shape.of(2), Layout.SEQUENTIAL, List.of(), Bases.standardNormal(),
            null, LogitTransform.none()))
        .isInstanceOf(NullPointerException.class).hasMessage("dequantization");
    assertThatThrownBy(() -> new FlowSpec(Shape.of(2), Layout.SEQUENTIAL, List.of(), Bases.standardNormal(),
            Dequantization.none(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("logit");
    assertThatThrownBy(() -> smallFlow().withPreprocessing(null, LogitTransform.none()))
        .isInstanceOf(NullPointerException.class).hasMessage("dequantization");
    assertThatThrownBy(() -> smallFlow().withPreprocessing(Dequantization.none(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("logit");
    assertThatThrownBy(() -> new AdditiveCoupling(null, mlp(4)))
        .isInstanceOf(NullPointerException.class).hasMessage("mask");
    assertThatThrownBy(() -> new AdditiveCoupling(Mask.HALF, null))
        .isInstanceOf(NullPointerException.class).hasMessage("conditioner");
    assertThatThrownBy(() -> new AffineCoupling(Mask.HALF, mlp(4), null))
        .isInstanceOf(NullPointerException.class).hasMessage("scale");
    assertThatThrownBy(() -> new InvertibleConv1x1(null))
        .isInstanceOf(NullPointerException.class).hasMessage("parameterization");
    assertThatThrownBy(() -> new Problem("flow", "flow", null))
        .isInstanceOf(NullPointerException.class).hasMessage("message");
    assertThatThrownBy(() -> mlp(4).activation(null))
        .isInstanceOf(NullPointerException.class).hasMessage("activation");
    assertThatThrownBy(() -> new AffineScale(null, 1.0))
        .isInstanceOf(NullPointerException.class).hasMessage("kind");
  }

  @Test
  void stepsDeclareWhatTheyAre() {
    assertThat(new InvertibleConv1x1(Conv1x1.PLAIN).kind()).isEqualTo("invertibleConv1x1");
    assertThat(new AdditiveCoupling(Mask.HALF, mlp(4)).logDetKind()).isEqualTo(LogDetKind.ZERO);
    assertThat(smallFlow().steps()).allSatisfy(step -> assertThat(step.preservesShape()).isTrue());
  }

  @Test
  void residualBlocksDeclareWhatTheyAre() {
    ResidualBlockBuilder builder = new ResidualBlockBuilder().lipschitzMlp(8);
    ResidualBlock exact = builder.logDet(LogDet.exact()).build();
    assertThat(exact.kind()).isEqualTo("residualBlock");
    assertThat(exact.logDetKind()).isEqualTo(LogDetKind.EXACT);
    assertThat(exact.inverseKind()).isEqualTo(InverseKind.ITERATIVE);
    assertThat(exact.preservesShape()).isTrue();
    assertThat(exact.outputShape(Shape.of(8, 8, 3))).isEqualTo(Shape.of(8, 8, 3));
    assertThat(builder.logDet(LogDet.truncatedSeries(3)).build().logDetKind()).isEqualTo(LogDetKind.ESTIMATED);
    assertThat(builder.logDet(LogDet.russianRoulette(0.5)).build().logDetKind()).isEqualTo(LogDetKind.ESTIMATED);
    assertThat(builder.logDet(LogDet.russianRoulettePoisson(2)).build().logDetKind())
        .isEqualTo(LogDetKind.ESTIMATED);
    // The kind is the training estimator's: an exact evaluation estimator does not make it exact.
    ResidualBlock estimated = builder.logDet(LogDet.russianRoulette(0.5)).evaluationLogDet(LogDet.exact()).build();
    assertThat(estimated.logDetKind()).isEqualTo(LogDetKind.ESTIMATED);
    assertThat(estimated.inverseKind()).isEqualTo(InverseKind.ITERATIVE);
  }

  @Test
  void hoogeboomConvolutionsDeclareWhatTheyAreAndAreValues() {
    EmergingConv emerging = new EmergingConv(3);
    PeriodicConv periodic = new PeriodicConv(3);
    assertThat(emerging.kind()).isEqualTo("emergingConv");
    assertThat(periodic.kind()).isEqualTo("periodicConv");
    for (StepSpec step : List.<StepSpec>of(emerging, periodic)) {
      assertThat(step.logDetKind()).isEqualTo(LogDetKind.CONSTANT);
      assertThat(step.inverseKind()).isEqualTo(InverseKind.ANALYTIC);
      assertThat(step.preservesShape()).isTrue();
      assertThat(step.outputShape(Shape.of(4, 4, 2))).isEqualTo(Shape.of(4, 4, 2));
    }
    assertThat(emerging).isEqualTo(new EmergingConv(3)).hasSameHashCodeAs(new EmergingConv(3))
        .isNotEqualTo(new EmergingConv(5)).isNotEqualTo(periodic);
    assertThat(periodic).isEqualTo(new PeriodicConv(3)).isNotEqualTo(new PeriodicConv(2));
  }

  @Test
  void autoregressiveStepsDeclareWhatTheyAreAndAreValues() {
    MaskedAutoregressive maf = new MaskedAutoregressive(Conditioners.mlp(8, 8),
        AutoregressiveOrder.random(3), AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0));
    MaskedAutoregressive iaf = new MaskedAutoregressive(Conditioners.mlp(8, 8),
        AutoregressiveOrder.random(3), AutoregressiveDirection.IAF, AffineScale.expSoftClamp(2.0));
    assertThat(maf.kind()).isEqualTo("maf");
    assertThat(iaf.kind()).isEqualTo("iaf");
    for (MaskedAutoregressive step : List.of(maf, iaf)) {
      assertThat(step.logDetKind()).isEqualTo(LogDetKind.EXACT);
      assertThat(step.inverseKind()).isEqualTo(InverseKind.ANALYTIC);
      assertThat(step.preservesShape()).isTrue();
    }
    assertThat(maf)
        .isEqualTo(Flows.sequential(Shape.of(3)).steps(1, s -> s.maf(AutoregressiveOrder.random(3), 8, 8))
            .build().steps().get(0))
        .hasSameHashCodeAs(new MaskedAutoregressive(new MlpConditioner(ImmutableList.of(8, 8), Activation.RELU, true),
            AutoregressiveOrder.random(3), AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0)))
        .isNotEqualTo(iaf)
        .isNotEqualTo(new MaskedAutoregressive(Conditioners.mlp(8, 8), AutoregressiveOrder.random(4),
            AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0)))
        .isNotEqualTo(new MaskedAutoregressive(Conditioners.mlp(8), AutoregressiveOrder.random(3),
            AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0)));
    assertThat(AutoregressiveOrder.natural()).isNotEqualTo(AutoregressiveOrder.reversed());
    assertThat(new InvertibleConv1x1(Conv1x1.QR)).isEqualTo(new InvertibleConv1x1(Conv1x1.QR))
        .isNotEqualTo(new InvertibleConv1x1(Conv1x1.LU_DECOMPOSED));
    assertThat(maf).isNotEqualTo(new MaskedAutoregressive(Conditioners.mlp(8, 8).zeroInitLast(false),
        AutoregressiveOrder.random(3), AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0)));
    MaskedAutoregressive image = new MaskedAutoregressive(Conditioners.pixelCnn(8).layers(2),
        AutoregressiveOrder.natural(), AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0));
    assertThat(image)
        .isEqualTo(Flows.sequential(Shape.of(3, 3, 1)).steps(1, s -> s.maf(Conditioners.pixelCnn(8).layers(2)))
            .build().steps().get(0))
        .isNotEqualTo(new MaskedAutoregressive(Conditioners.pixelCnn(8).layers(3), AutoregressiveOrder.natural(),
            AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0)));
    assertThat(image.logDetKind()).isEqualTo(LogDetKind.EXACT);
  }

  @Test
  void orderingsVisitEveryFeatureOnce() {
    assertThat(AutoregressiveOrder.natural().visitingOrder(4)).containsExactly(0, 1, 2, 3);
    assertThat(AutoregressiveOrder.reversed().visitingOrder(4)).containsExactly(3, 2, 1, 0);
    int[] random = AutoregressiveOrder.random(11).visitingOrder(6);
    assertThat(random).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
    assertThat(AutoregressiveOrder.random(11).visitingOrder(6)).containsExactly(random);
  }

  @Test
  void residualValuesAreValues() {
    assertThat(new ResidualBlockBuilder().lipschitzMlp(8, 8).build())
        .isEqualTo(new ResidualBlockBuilder().lipschitzMlp(8, 8).build())
        .hasSameHashCodeAs(new ResidualBlockBuilder().lipschitzMlp(8, 8).build())
        .isNotEqualTo(new ResidualBlockBuilder().lipschitzMlp(8, 8).lipschitzCoeff(0.97).build())
        .isNotEqualTo(new ResidualBlockBuilder().lipschitzMlp(8, 8).activation(Activation.ELU).build())
        .isNotEqualTo(new ResidualBlockBuilder().lipschitzMlp(8, 8)
            .evaluationLogDet(LogDet.russianRoulette(0.5).exactTerms(21)).build())
        .isNotEqualTo(new ResidualBlockBuilder().lipschitzMlp(8, 8).inverse(FixedPointInverse.defaults().rtol(0))
            .build());
    assertThat(Presets.residualFlow(Shape.of(28, 28, 1)).blocks(2).width(16).build())
        .isEqualTo(Presets.residualFlow(Shape.of(28, 28, 1)).blocks(2).width(16).build())
        .isNotEqualTo(Presets.residualFlow(Shape.of(28, 28, 1)).blocks(2).width(17).build());

    List<Integer> widths = new ArrayList<>(List.of(8, 16));
    LipschitzMlp mlp = new LipschitzMlp(widths);
    widths.add(32);
    assertThat(mlp.hiddenWidths()).containsExactly(8, 16);
    assertThatThrownBy(() -> mlp.hiddenWidths().add(1)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void residualBlockRejectsNullsNamingTheComponent() {
    ResidualBlock block = new ResidualBlockBuilder().lipschitzMlp(8).build();
    assertThatThrownBy(() -> new ResidualBlock(null, block.activation(), block.lipschitz(), block.logDet(),
            block.evaluationLogDet(), block.inverse()))
        .isInstanceOf(NullPointerException.class).hasMessage("branch");
    assertThatThrownBy(() -> new ResidualBlock(block.branch(), null, block.lipschitz(), block.logDet(),
            block.evaluationLogDet(), block.inverse()))
        .isInstanceOf(NullPointerException.class).hasMessage("activation");
    assertThatThrownBy(() -> new ResidualBlock(block.branch(), block.activation(), null, block.logDet(),
            block.evaluationLogDet(), block.inverse()))
        .isInstanceOf(NullPointerException.class).hasMessage("lipschitz");
    assertThatThrownBy(() -> new ResidualBlock(block.branch(), block.activation(), block.lipschitz(), null,
            block.evaluationLogDet(), block.inverse()))
        .isInstanceOf(NullPointerException.class).hasMessage("logDet");
    assertThatThrownBy(() -> new ResidualBlock(block.branch(), block.activation(), block.lipschitz(),
            block.logDet(), null, block.inverse()))
        .isInstanceOf(NullPointerException.class).hasMessage("evaluationLogDet");
    assertThatThrownBy(() -> new ResidualBlock(block.branch(), block.activation(), block.lipschitz(),
            block.logDet(), block.evaluationLogDet(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("inverse");
    assertThatThrownBy(() -> new ResidualBlock(block.branch(), block.activation(), block.lipschitz(),
            block.logDet(), block.evaluationLogDet(), block.inverse(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("seriesPrecision");
    assertThatThrownBy(() -> new ResidualBlockBuilder().seriesPrecision(null))
        .isInstanceOf(NullPointerException.class).hasMessage("seriesPrecision");
    assertThat(block.seriesPrecision()).isEqualTo(SeriesPrecision.FULL);
    assertThat(new ResidualBlockBuilder().lipschitzMlp(8).seriesPrecision(SeriesPrecision.BFLOAT16).build())
        .isNotEqualTo(block)
        .isEqualTo(new ResidualBlock(block.branch(), block.activation(), block.lipschitz(), block.logDet(),
            block.evaluationLogDet(), block.inverse(), SeriesPrecision.BFLOAT16));
    assertThat(new ResidualBlock(block.branch(), block.activation(), SpectralNormalization.defaults(),
            block.logDet(), block.evaluationLogDet(), block.inverse()))
        .isEqualTo(block);
  }
}
