package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.flows4j.api.conditioner.Conditioners.convNet;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.base.Bases;
import org.flows4j.api.base.StandardNormal;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.api.step.LogDetKind;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.StepSpec;
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
    assertThat(Presets.glow(Shape.of(16, 16, 3), 2, 2, 32))
        .isEqualTo(Presets.glow(Shape.of(16, 16, 3), 2, 2, 32))
        .hasSameHashCodeAs(Presets.glow(Shape.of(16, 16, 3), 2, 2, 32));
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
}
