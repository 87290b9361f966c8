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
 * A checkpoint written before emerging convolutions took the paper's construction (variables {@code kernel_causal},
 * {@code log_scale_causal}, {@code kernel_anticausal}, {@code log_scale_anticausal} in place of today's
 * {@code kernel_1}, {@code kernel_2}, {@code bias}) is refused with a message that says why, not TensorFlow's raw
 * "Key … not found". The old checkpoint is made from a real one by renaming the emerging layer's tensors as the
 * earlier layer named them, every other tensor (ActNorm, couplings, Adam slots, EMA shadows) kept.
 */
class OldEmergingCheckpointTest {
  @TempDir Path root;

  @Test
  void anEmergingCheckpointFromBeforeThePapersMasksIsRefusedNamingTheReason() throws Exception {
    FlowSpec spec = Presets.emerging(Shape.of(4, 4, 1)).levels(1).stepsPerLevel(1).width(4).build();
    SavedCheckpoint saved = SavedCheckpoint.afterOneStep(spec, 8, 16, root);
    List<String> names = saved.names();
    assertThat(names).anyMatch(name -> name.endsWith("_emergingConv.kernel_1"));
    // The earlier layer's names: kernel_causal / kernel_anticausal, and no bias.
    saved.rewrite((tf, name, tensor) -> !name.contains("_emergingConv.")
        ? List.of(new SavedCheckpoint.Entry(name, tensor))
        : name.contains("_emergingConv.bias") ? List.of()
        : List.of(new SavedCheckpoint.Entry(
            name.replace(".kernel_1", ".kernel_causal").replace(".kernel_2", ".kernel_anticausal"), tensor)));

    assertThatThrownBy(() -> Trainer.resume(root))
        .isInstanceOf(CheckpointException.class)
        .hasMessageMatching("checkpoint \\S+ cannot be resumed: it was written before emergingConv took the paper's "
            + "construction \\(two square \\(\\(k\\+1\\)/2\\)x\\(\\(k\\+1\\)/2\\) masked kernels with learned "
            + "diagonals and a bias; the earlier layer had two half-plane kxk kernels with separate log-scales\\), "
            + "so it has no flow/level_0\\.step_\\d+_emergingConv\\.(kernel_1|kernel_2|bias)\\S*\\. The weights do "
            + "not carry over: train the flow again \\(its spec still loads; a SavedModel exported from the old "
            + "run still works\\)\\.");
  }

  @Test
  void otherMissingVariablesKeepTheGeneralMessage() {
    assertThat(Checkpoints.missingKey("Key flow/level_0.step_1_actNorm.bias not found in checkpoint\n\t [[…]]"))
        .isEqualTo("flow/level_0.step_1_actNorm.bias");
    assertThat(Checkpoints.missingKey("Unsuccessful TensorSliceReader constructor")).isNull();
    assertThat(Checkpoints.missingKey(null)).isNull();
  }

}
