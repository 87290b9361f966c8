package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.LipschitzConvNet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A conv residual checkpoint written before the 1×1 map's spectral normalisation ran on its {@code [in, out]} matrix
 * (its power-iteration vectors were then shaped like the whole convolution's input and output, {@code [1, h, w, c]};
 * today they are {@code [1, c]}) is refused with a message saying what changed and what to do, not the generic
 * "damaged or belong to another model". The old checkpoint is made from a real one: every tensor kept, except the
 * 1×1 map's {@code sn_u} and {@code sn_v}, written back in the old shape (the unit vector spread over the pixels).
 */
class OldConvResidualCheckpointTest {
  private static final int SIDE = 4;

  @TempDir Path root;

  @Test
  void aConvResidualCheckpointWithWholeConvolutionVectorsIsRefusedNamingTheReason() throws Exception {
    FlowSpec spec = Flows.sequential(Shape.of(SIDE, SIDE, 1))
        .steps(1, s -> s.residualBlock(b -> b.branch(new LipschitzConvNet(8, true))))
        .build();
    SavedCheckpoint saved = SavedCheckpoint.afterOneStep(spec, 4, SIDE * SIDE, root);
    List<String> names = saved.names();
    assertThat(names).filteredOn(OldConvResidualCheckpointTest::pointwiseVector).hasSize(2);
    saved.rewrite((tf, name, tensor) -> {
      if (!pointwiseVector(name)) {
        return List.of(new SavedCheckpoint.Entry(name, tensor));
      }
      // [1, c] → [1, h, w, c], still a unit vector: the same vector at every pixel, divided by √(h·w).
      @SuppressWarnings("unchecked")
      Operand<TFloat32> vector = (Operand<TFloat32>) tensor;
      Operand<TFloat32> perPixel = tf.reshape(vector, tf.constant(new int[] {1, 1, 1, -1}));
      return List.of(new SavedCheckpoint.Entry(name, tf.math.div(tf.math.mul(perPixel,
          tf.ones(tf.constant(new int[] {1, SIDE, SIDE, 1}), TFloat32.class)), tf.constant((float) SIDE))));
    });

    assertThatThrownBy(() -> Trainer.resume(root))
        .isInstanceOf(CheckpointException.class)
        .hasMessageMatching("checkpoint \\S+ cannot be resumed: it was written before a conv residual block's 1x1 "
            + "map ran its spectral-norm power iteration on the \\[in, out\\] matrix, so it holds that map's "
            + "vectors sn_u and sn_v shaped like the whole convolution \\(\\[1,4,4,8\\]\\) where the flow now has "
            + "one entry per channel \\(\\[1, c\\]\\)\\. The vectors are estimates, not weights, but a checkpoint "
            + "restores whole: train the flow again \\(its spec still loads; a SavedModel exported from the old run "
            + "still works\\)\\.");
  }

  @Test
  void otherShapeMismatchesKeepTheGeneralMessage() {
    String old = "Assign requires shapes of both tensors to match. lhs shape= [1,8] rhs shape= [1,4,4,8]";
    assertThat(Checkpoints.wholeConvolutionVector(old + "\n\t [[{{node save/Assign_7}}]]"))
        .isEqualTo("[1,4,4,8]");
    assertThat(Checkpoints.wholeConvolutionVector(
        "Assign requires shapes of both tensors to match. lhs shape= [1,8] rhs shape= [1,4,4,16]")).isNull();
    assertThat(Checkpoints.wholeConvolutionVector(
        "Assign requires shapes of both tensors to match. lhs shape= [3,3,1,8] rhs shape= [3,3,1,16]")).isNull();
    assertThat(Checkpoints.wholeConvolutionVector(null)).isNull();
  }

  private static boolean pointwiseVector(String name) {
    return name.contains("conv_1") && (name.endsWith("sn_u") || name.endsWith("sn_v"));
  }

}
