package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.junit.jupiter.api.Test;

/**
 * The presets' and conditioners' sizes set by name build exactly the specs of the positional (deprecated) forms,
 * and a setting a preset does not take, or a required one left out, fails naming the settings it takes.
 */
@SuppressWarnings("deprecation") // compares the named forms with the positional ones they replace
class PresetBuilderTest {
  private static final Shape VECTOR = Shape.of(4);
  private static final Shape IMAGE = Shape.of(8, 8, 1);

  @Test
  void namedSizesBuildTheSameSpecsAsThePositionalForms() {
    assertThat(Presets.realNvp(VECTOR).couplings(3).width(16).build()).isEqualTo(Presets.realNvp(VECTOR, 3, 16));
    assertThat(Presets.realNvp(IMAGE).width(8).couplings(2).build()).isEqualTo(Presets.realNvp(IMAGE, 2, 8));
    assertThat(Presets.nice(VECTOR).couplings(4).width(8).build()).isEqualTo(Presets.nice(VECTOR, 4, 8));
    assertThat(Presets.glow(IMAGE).levels(2).stepsPerLevel(3).width(8).build())
        .isEqualTo(Presets.glow(IMAGE, 2, 3, 8));
    assertThat(Presets.emerging(IMAGE).levels(2).stepsPerLevel(1).width(8).build())
        .isEqualTo(Presets.emerging(IMAGE, 2, 1, 8));
    assertThat(Presets.periodic(IMAGE).levels(1).stepsPerLevel(2).width(8).build())
        .isEqualTo(Presets.periodic(IMAGE, 1, 2, 8));
    assertThat(Presets.flowPlusPlus(IMAGE).width(8).blocks(2).heads(4).components(3).build())
        .isEqualTo(Presets.flowPlusPlus(IMAGE, 8, 2, 4, 3));
    assertThat(Presets.residualFlow(VECTOR).blocks(2).width(16).build())
        .isEqualTo(Presets.residualFlow(VECTOR, 2, 16));
    assertThat(Presets.residualFlow(IMAGE).blocks(1).width(16).fcWidth(8).build())
        .isEqualTo(Presets.residualFlow(IMAGE, 1, 16, 8));
    assertThat(Presets.maf(VECTOR).layers(2).width(8).build()).isEqualTo(Presets.maf(VECTOR, 2, 8));
    assertThat(Presets.neuralSplineFlow(VECTOR).steps(2).width(8).build())
        .isEqualTo(Presets.neuralSplineFlow(VECTOR, 2, 8));
    assertThat(Presets.neuralSplineFlow(IMAGE).levels(2).stepsPerLevel(1).width(8).build())
        .isEqualTo(Presets.neuralSplineFlow(IMAGE, 2, 1, 8));
    assertThat(Presets.autoregressiveNeuralSplineFlow(VECTOR).steps(2).width(8).build())
        .isEqualTo(Presets.autoregressiveNeuralSplineFlow(VECTOR, 2, 8));
  }

  @Test
  void aSettingThePresetDoesNotTakeFailsAtTheCallNamingTheOnesItTakes() {
    assertThatThrownBy(() -> Presets.realNvp(VECTOR).levels(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("realNvp takes couplings and width, not levels");
    assertThatThrownBy(() -> Presets.residualFlow(VECTOR).heads(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("residualFlow takes blocks, width and fcWidth (fcWidth optional), not heads");
    assertThatThrownBy(() -> Presets.neuralSplineFlow(IMAGE).steps(2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("neuralSplineFlow on an image takes levels, stepsPerLevel and width, not steps");
  }

  @Test
  void buildNamesTheRequiredSettingsLeftUnset() {
    assertThatThrownBy(() -> Presets.glow(IMAGE).width(8).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("glow needs levels and stepsPerLevel to be set (e.g. .levels(n)) before build(); it takes "
            + "levels, stepsPerLevel and width");
  }

  @Test
  void thePresetsOwnRulesStillApply() {
    assertThatThrownBy(() -> Presets.realNvp(VECTOR).couplings(0).width(8).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("couplings");
  }

  @Test
  void conditionerSizesByName() {
    AttentionConvNetConditioner attention = Conditioners.flowPlusPlus(8).blocks(2).heads(4);
    assertThat(attention).isEqualTo(Conditioners.flowPlusPlus(8, 2, 4));
    assertThat(Conditioners.flowPlusPlus(6)).extracting(AttentionConvNetConditioner::blocks,
        AttentionConvNetConditioner::heads).containsExactly(1, 1);
    PixelCnnConditioner pixelCnn = Conditioners.pixelCnn(16).layers(3);
    assertThat(pixelCnn).isEqualTo(Conditioners.pixelCnn(16, 3));
    assertThat(Conditioners.pixelCnn(16).layers()).isEqualTo(2);
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(6).heads(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("width must be divisible by heads");
  }
}
