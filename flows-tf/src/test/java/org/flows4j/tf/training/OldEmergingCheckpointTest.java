package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.train.Restore;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

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
    Path checkpoint = saved.directory();
    List<String> names = saved.names();
    List<DataType> types = saved.types();
    assertThat(names).anyMatch(name -> name.endsWith("_emergingConv.kernel_1"));
    rewriteAsBeforeThePapersMasks(checkpoint.resolve("variables"), names, types);

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

  /** Reads every tensor of the checkpoint and writes it back with the emerging layer's earlier variable names. */
  private static void rewriteAsBeforeThePapersMasks(Path prefix, List<String> names, List<DataType> types)
      throws Exception {
    Path old = prefix.resolveSibling("old");
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      List<Class<? extends TType>> classes = new SavedCheckpoint(prefix, names, types).tensorClasses();
      String[] empty = new String[names.size()];
      java.util.Arrays.fill(empty, "");
      Restore tensors = tf.train.restore(tf.constant(prefix.toString()), tf.array(names.toArray(String[]::new)),
          tf.array(empty), classes);
      List<String> renamed = new ArrayList<>();
      List<Operand<?>> kept = new ArrayList<>();
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        if (name.contains("_emergingConv.")) {
          if (name.contains("_emergingConv.bias")) {
            continue;
          }
          name = name.replace(".kernel_1", ".kernel_causal").replace(".kernel_2", ".kernel_anticausal");
        }
        renamed.add(name);
        kept.add(tensors.tensors().get(i));
      }
      String[] slices = new String[renamed.size()];
      java.util.Arrays.fill(slices, "");
      Operand<TString> target = tf.constant(old.toString());
      session.runner().addTarget(tf.train.save(target, tf.array(renamed.toArray(String[]::new)), tf.array(slices),
          kept)).run();
    }
    Files.move(old.resolveSibling("old.index"), prefix.resolveSibling("variables.index"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    Files.move(old.resolveSibling("old.data-00000-of-00001"),
        prefix.resolveSibling("variables.data-00000-of-00001"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
