package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.junit.jupiter.api.Test;

/**
 * The presets' and conditioners' sizes set by name: the order of the settings does not matter, each setting lands
 * where its name says (swapping two values gives another model), and a setting a preset does not take, or a required
 * one left out, fails naming the settings it takes. The positional forms these replace are gone from the public API
 * ({@code PositionalNumbersTest} in flows-examples keeps them out).
 */
class PresetBuilderTest {
  private static final Shape VECTOR = Shape.of(4);
  private static final Shape IMAGE = Shape.of(8, 8, 1);

  @Test
  void theOrderOfNamedSettingsDoesNotMatter() {
    assertThat(Presets.realNvp(VECTOR).couplings(3).width(16).build())
        .isEqualTo(Presets.realNvp(VECTOR).width(16).couplings(3).build());
    assertThat(Presets.glow(IMAGE).levels(2).stepsPerLevel(3).width(8).build())
        .isEqualTo(Presets.glow(IMAGE).width(8).stepsPerLevel(3).levels(2).build());
    assertThat(Presets.flowPlusPlus(IMAGE).width(8).blocks(2).heads(4).components(3).build())
        .isEqualTo(Presets.flowPlusPlus(IMAGE).components(3).heads(4).blocks(2).width(8).build());
    assertThat(Presets.residualFlow(IMAGE).blocks(1).width(16).fcWidth(8).build())
        .isEqualTo(Presets.residualFlow(IMAGE).fcWidth(8).width(16).blocks(1).build());
  }

  @Test
  void eachSettingLandsWhereItsNameSays() {
    FlowSpec realNvp = Presets.realNvp(VECTOR).couplings(3).width(16).build();
    assertThat(realNvp.steps()).hasSize(6); // 3 × (actNorm, coupling)
    assertThat(realNvp.toString()).contains("hiddenWidths=[16, 16]");
    assertThat(Presets.realNvp(VECTOR).couplings(16).width(3).build()).isNotEqualTo(realNvp);
    assertThat(Presets.glow(IMAGE).levels(2).stepsPerLevel(3).width(8).build())
        .isNotEqualTo(Presets.glow(IMAGE).levels(3).stepsPerLevel(2).width(8).build());
    assertThat(Presets.maf(VECTOR).layers(2).width(8).build())
        .isNotEqualTo(Presets.maf(VECTOR).layers(8).width(2).build());
    assertThat(Presets.neuralSplineFlow(VECTOR).steps(2).width(8).build())
        .isNotEqualTo(Presets.neuralSplineFlow(VECTOR).steps(8).width(2).build());
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
    assertThat(attention).extracting(AttentionConvNetConditioner::width, AttentionConvNetConditioner::blocks,
        AttentionConvNetConditioner::heads).containsExactly(8, 2, 4);
    assertThat(Conditioners.flowPlusPlus(6)).extracting(AttentionConvNetConditioner::blocks,
        AttentionConvNetConditioner::heads).containsExactly(1, 1);
    PixelCnnConditioner pixelCnn = Conditioners.pixelCnn(16).layers(3);
    assertThat(pixelCnn).extracting(PixelCnnConditioner::width, PixelCnnConditioner::layers).containsExactly(16, 3);
    assertThat(Conditioners.pixelCnn(16).layers()).isEqualTo(2);
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(6).heads(4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("width must be divisible by heads");
  }
}
