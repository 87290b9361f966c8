package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint written while the trainer kept its state per weight ({@code accumulated_gradient_0},
 * {@code optimizer/slot_0_m}, {@code ema_0_shadow}, …) is refused with a message saying what changed, not the
 * generic "damaged or belong to another model". The old checkpoint is made from a real one: the weights kept, each
 * flat state vector written back as the per-weight tensors the earlier trainer named (their values do not matter
 * to the refusal).
 */
class OldTrainerStateCheckpointTest {
  @TempDir Path root;

  @Test
  void aCheckpointWithPerWeightTrainerStateIsRefusedNamingTheReason() throws Exception {
    FlowSpec spec = Presets.residualFlow(Shape.of(2)).blocks(1).width(8).build();
    SavedCheckpoint saved = SavedCheckpoint.afterOneStep(spec, 8, 2, root);
    assertThat(saved.names()).contains("ema_shadow", "optimizer/slot_m", "accumulated_gradient");
    saved.rewrite((tf, name, tensor) -> List.of(new SavedCheckpoint.Entry(perWeightName(name), tensor)));

    assertThatThrownBy(() -> Trainer.resume(root))
        .isInstanceOf(CheckpointException.class)
        .hasMessageMatching("checkpoint \\S+ cannot be resumed: it was written before the trainer kept its "
            + "optimizer slots, gradient accumulator and weight average as one vector each \\(it holds them per "
            + "weight, e\\.g\\. slot_0_m, ema_0_shadow\\), so it has no (accumulated_gradient|ema_shadow|ema_backup|"
            + "optimizer/slot_m|optimizer/slot_v)\\. Train the flow again, or resume and export it with the "
            + "flows4j version that wrote it \\(its spec still loads; a SavedModel exported from the old run still "
            + "works\\)\\.");
  }

  /** The earlier trainer's name for the first weight's share of a flat state vector; other names unchanged. */
  private static String perWeightName(String name) {
    return switch (name) {
      case "accumulated_gradient" -> "accumulated_gradient_0";
      case "ema_shadow" -> "ema_0_shadow";
      case "ema_backup" -> "ema_0_backup";
      case "optimizer/slot_m" -> "optimizer/slot_0_m";
      case "optimizer/slot_v" -> "optimizer/slot_0_v";
      default -> name;
    };
  }
}
