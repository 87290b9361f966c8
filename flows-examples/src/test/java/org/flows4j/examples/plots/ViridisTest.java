package org.flows4j.examples.plots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ViridisTest {
  @Test
  void runsFromDarkPurpleToYellow() {
    assertThat(Viridis.rgb(0)).isEqualTo(0x440154);
    assertThat(Viridis.rgb(1)).isEqualTo(0xFDE725);
  }

  @Test
  void getsBrighterAllTheWay() {
    double previous = -1;
    for (int i = 0; i <= 100; i++) {
      double luminance = Pixels.luminance(Viridis.rgb(i / 100.0));
      assertThat(luminance).as("luminance at t = %s", i / 100.0).isGreaterThan(previous);
      previous = luminance;
    }
  }

  @Test
  void rejectsValuesOutsideTheUnitInterval() {
    assertThatThrownBy(() -> Viridis.rgb(1.5)).hasMessage("t must be in [0, 1], but was 1.5");
    assertThatThrownBy(() -> Viridis.rgb(Double.NaN)).hasMessage("t must be in [0, 1], but was NaN");
  }
}
