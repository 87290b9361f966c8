package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.step.Mask;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints of a Flow++ model with variational dequantization, written before its conditioner took the official
 * code's structure, are refused with a message that says why, not the generic "damaged or another model" one. Two
 * earlier layouts existed, and each old checkpoint is made from a real one (2 blocks per conditioner) by rewriting
 * its tensors as the earlier code named them, every other tensor (ActNorm, LU convolutions, Adam slots, EMA shadows)
 * kept:
 * <ul>
 *   <li>until this session each block had its own positional encoding, {@code ….block_i.attention.positional}, in
 *       place of today's one {@code ….positional} per conditioner (each block gets a copy of the shared value);
 *   <li>before session 4 the condition (the dequantization flow's pixel features) was concatenated to the input,
 *       so there were no per-block {@code condition_projection} variables (they are dropped).
 * </ul>
 * The spec of the dequantization flow itself (normalisation, pointwise linear map, coupling per step) is stored in
 * the checkpoint and rebuilt from it, so that change alone never broke a resume: on one channel the steps did not
 * change at all, and on several the stored spec rebuilds the old steps.
 */
class OldFlowPlusPlusCheckpointTest {
  private static final int BLOCKS = 2;
  private static final String MESSAGE = "checkpoint \\S+ cannot be resumed: it was written before the flowPlusPlus "
      + "conditioner took the official code's structure \\(one positional encoding per coupling, shared by its "
      + "blocks, and a condition entering every block through its own projection; earlier networks had one "
      + "encoding per block, and before that took the condition concatenated to the input\\), so it has no "
      + "\\S+%s\\S*\\. The weights do not carry over: train the flow again \\(its spec still loads; a SavedModel "
      + "exported from the old run still works\\)\\.";

  @TempDir Path root;
  private @Nullable SavedCheckpoint saved;

  @BeforeEach
  void trainOneStepAndSave() {
    // Flow++'s pieces at the smallest size (one step each side; the preset's 14 couplings only cost build time).
    Shape shape = Shape.of(4, 4, 2);
    ConditionerSpec conditioner = Conditioners.flowPlusPlus(4).blocks(BLOCKS).heads(1);
    FlowSpec noise = Flows.sequential(shape)
        .steps(1, s -> s.actNorm().mixtureLogisticsCoupling(Mask.CHECKERBOARD, conditioner, 2)).build();
    FlowSpec spec = Flows.sequential(shape)
        .dequantize(Dequantization.variational(256, noise, new ConvNetConditioner(4, 3, Activation.RELU, false), 4))
        .logit(0.05)
        .steps(1, s -> s.actNorm().mixtureLogisticsCoupling(Mask.CHECKERBOARD, conditioner, 2))
        .build();
    SavedCheckpoint fresh = SavedCheckpoint.afterOneStep(spec, 4, 32, root);
    saved = fresh;
    assertThat(fresh.names())
        .anyMatch(name -> name.startsWith("flow/dequantization.flow.") && name.endsWith(".positional"));
    assertThat(fresh.names()).anyMatch(name -> name.contains(".condition_projection."));
    // Today's checkpoint resumes.
    Trainer.resume(root).close();
  }

  @Test
  void aCheckpointWithOnePositionalEncodingPerBlockIsRefusedNamingTheReason() throws Exception {
    rewrite(name -> {
      if (!name.endsWith(".positional")) {
        return List.of(name);
      }
      String scope = name.substring(0, name.length() - "positional".length());
      List<String> perBlock = new ArrayList<>();
      for (int b = 0; b < BLOCKS; b++) {
        perBlock.add(scope + "block_" + b + ".attention.positional");
      }
      return perBlock;
    });
    assertThatThrownBy(() -> Trainer.resume(root))
        .isInstanceOf(CheckpointException.class)
        .hasMessageMatching(String.format(MESSAGE, "\\.positional"));
  }

  @Test
  void aCheckpointWithTheConditionConcatenatedToTheInputIsRefusedNamingTheReason() throws Exception {
    // The earlier layout also had per-block encodings; the condition's projections are what it lacks besides.
    rewrite(name -> name.contains(".condition_projection.") ? List.of() : List.of(name));
    assertThatThrownBy(() -> Trainer.resume(root))
        .isInstanceOf(CheckpointException.class)
        .hasMessageMatching(String.format(MESSAGE, "\\.condition_projection\\."));
  }

  @Test
  void onlyTheFlowPlusPlusConditionersNewVariablesSelectTheMessage() {
    assertThat(Checkpoints.isFlowPlusPlusConditionerKey(
        "flow/dequantization.flow.level_0.step_1_mixtureLogisticsCoupling.flowpp.positional")).isTrue();
    assertThat(Checkpoints.isFlowPlusPlusConditionerKey(
        "flow/level_0.step_1_mixtureLogisticsCoupling.flowpp.block_0.gated_conv.condition_projection.kernel"))
        .isTrue();
    assertThat(Checkpoints.isFlowPlusPlusConditionerKey(
        "flow/level_0.step_1_mixtureLogisticsCoupling.flowpp.block_0.attention.positional")).isFalse();
    assertThat(Checkpoints.isFlowPlusPlusConditionerKey("flow/level_0.step_1_actNorm.bias")).isFalse();
  }

  /** Writes the checkpoint back under the names {@code rename} gives each variable (none: dropped). */
  private void rewrite(Function<String, List<String>> rename) throws Exception {
    requireNonNull(saved).rewrite((tf, name, tensor) ->
        rename.apply(name).stream().map(renamed -> new SavedCheckpoint.Entry(renamed, tensor)).toList());
  }
}
