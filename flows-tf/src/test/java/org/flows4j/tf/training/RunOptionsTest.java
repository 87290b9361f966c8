package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RunOptionsTest {

  @Test
  void namedSettingsLandInTheirOwnFieldsAndDefaultsAreStated() {
    RunOptions options = RunOptions.builder().steps(3000).batchSize(32).evaluateEvery(500).checkpointEvery(1000)
        .checkpointDirectory(Path.of("out/checkpoints")).build();
    assertThat(options.steps()).isEqualTo(3000);
    assertThat(options.batchSize()).isEqualTo(32);
    assertThat(options.evaluateEvery()).isEqualTo(500);
    assertThat(options.checkpointEvery()).isEqualTo(1000);
    assertThat(options.checkpointDirectory()).contains(Path.of("out/checkpoints"));

    RunOptions defaults = RunOptions.builder().steps(10).build();
    assertThat(defaults.batchSize()).isEqualTo(64);
    assertThat(defaults.evaluateEvery()).isZero();
    assertThat(defaults.checkpointEvery()).isZero();
    assertThat(defaults.checkpointDirectory()).isEmpty();
  }

  @Test
  void toBuilderRoundTripsAndChangesOneSetting() {
    RunOptions options = RunOptions.builder().steps(100).batchSize(8).evaluateEvery(10)
        .checkpointDirectory(Path.of("c")).build();
    assertThat(options.toBuilder().build()).isEqualTo(options).hasSameHashCodeAs(options);
    RunOptions longer = options.toBuilder().steps(200).build();
    assertThat(longer.steps()).isEqualTo(200);
    assertThat(longer.toBuilder().steps(100).build()).isEqualTo(options);
    assertThat(longer).isNotEqualTo(options);
  }

  @Test
  void badSettingsNameTheSettingAndTheValue() {
    assertThatThrownBy(() -> RunOptions.builder().build())
        .hasMessage("steps must be set to at least 1, but was 0");
    assertThatThrownBy(() -> RunOptions.builder().steps(5).batchSize(0).build())
        .hasMessage("batchSize must be at least 1, but was 0");
    assertThatThrownBy(() -> RunOptions.builder().steps(5).checkpointEvery(-1).build())
        .hasMessage("checkpointEvery must be >= 0, but was -1");
    assertThatThrownBy(() -> RunOptions.builder().steps(5).evaluateEvery(-2).build())
        .hasMessage("evaluateEvery must be >= 0, but was -2");
  }
}
