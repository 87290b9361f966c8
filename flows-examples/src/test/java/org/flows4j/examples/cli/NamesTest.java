package org.flows4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.flows4j.api.Shape;
import org.junit.jupiter.api.Test;

class NamesTest {
  @Test
  void dataNamesAreTheToyDensitiesThenTheConditionalOnesThenFashionMnistIgnoringCase() {
    assertThat(DataChoice.cliNames()).isEqualTo("8gaussians, checkerboard, 2spirals, moons, pinwheel, rings, "
        + "circles, 8gaussians-labelled, ring-radius, fashion-mnist");
    assertThat(DataChoice.fromCliName("Ring-Radius")).isInstanceOf(ConditionalDataChoice.class);
    assertThat(DataChoice.fromCliName(" Fashion-MNIST ").shape()).isEqualTo(Shape.of(28, 28, 1));
    assertThat(DataChoice.fromCliName("2SPIRALS").cliName()).isEqualTo("2spirals");
    assertThatThrownBy(() -> DataChoice.fromCliName("cifar10"))
        .hasMessage("unknown data 'cifar10'; choose one of: " + DataChoice.cliNames());
  }

  @Test
  void modelNamesIgnoreCaseAndTheErrorListsThem() {
    assertThat(ModelPreset.fromCliName("Glow")).isEqualTo(ModelPreset.GLOW);
    assertThatThrownBy(() -> ModelPreset.fromCliName("ffjord"))
        .hasMessage("unknown model 'ffjord'; choose one of: realnvp, nice, glow, emerging, flowpp, maf, resflow, nsf");
  }

  @Test
  void theModelsOfferedForADataShapeAreThePresetsThatBuildForIt() {
    assertThat(ModelPreset.optionsAccepting(Shape.of(2)))
        .isEqualTo("--model realnvp, --model nice, --model maf, --model resflow or --model nsf");
    assertThat(ModelPreset.optionsAccepting(Shape.of(28, 28, 1))).isEqualTo("--model realnvp, --model nice, "
        + "--model glow, --model emerging, --model flowpp, --model maf, --model resflow or --model nsf");
    assertThatThrownBy(() -> ModelPreset.FLOWPP.build(Shape.of(2), null, null))
        .isInstanceOf(UsageException.class)
        .hasMessage("--model flowpp needs image data [height, width, channels], but the data are [2] vectors. Use "
            + "--model realnvp, --model nice, --model maf, --model resflow or --model nsf for 2-D data, or --data fashion-mnist.");
  }

  @Test
  void theDefaultOutputFolderIsNamedAfterModelAndData() {
    assertThat(RunDirectory.defaultFor(ModelPreset.GLOW, DataChoice.fromCliName("fashion-mnist")).root())
        .hasToString("out/glow-fashion-mnist");
  }
}
