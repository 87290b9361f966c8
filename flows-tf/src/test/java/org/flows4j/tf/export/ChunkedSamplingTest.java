package org.flows4j.tf.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.SampleChunks;
import org.flows4j.tf.Seeds;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * Sampling in chunks gives exactly the samples of one call, whatever the chunk size: the seed's stream of rows
 * ({@link Seeds#normalRows}), {@code Trainer.sample} (chunks of its evaluation batch) and {@code FlowModel.sample}
 * (chunks of {@code sampleRowsPerCall} through the {@code sample_rows} signature).
 */
class ChunkedSamplingTest {
  private static final FlowSpec VECTOR = Presets.realNvp(Shape.of(3)).couplings(4).width(16).build();
  private static final FlowSpec IMAGE = Presets.realNvp(Shape.of(4, 4, 1)).couplings(1).width(4).build();

  /**
   * Rows [first, first + n) of the stream are the rows of one draw, value for value, for every alignment of the
   * first value within Philox's groups (widths 3 and 5 start chunks mid-group) and both float types.
   */
  @Test
  void rowsOfTheSeedsStreamDoNotDependOnHowTheDrawIsCut() {
    for (int width : new int[] {3, 4, 5}) {
      for (Class<? extends TFloating> type : List.of(TFloat32.class, TFloat64.class)) {
        for (boolean normal : new boolean[] {true, false}) {
          double[] whole = draw(width, type, normal, new int[] {0, 11});
          double[] chunked = draw(width, type, normal, new int[] {0, 1, 4, 5, 9, 11});
          assertThat(chunked).as("width %s, %s, %s", width, type.getSimpleName(), normal ? "normal" : "uniform")
              .containsExactly(whole);
          assertThat(whole).as("not a constant").doesNotHaveDuplicates();
        }
      }
    }
  }

  @Test
  void trainerSamplesAreTheSameWhateverItsChunkSize() {
    for (FlowSpec spec : List.of(VECTOR, IMAGE)) {
      float[] oneCall = trainerSamples(spec, 512);
      assertThat(trainerSamples(spec, 3)).as("%s in chunks of 3", spec.inputShape()).containsExactly(oneCall);
      assertThat(trainerSamples(spec, 1)).as("%s one row at a time", spec.inputShape()).containsExactly(oneCall);
    }
  }

  @Test
  void flowModelSamplesAreTheSameWhateverItsChunkSizeAndEqualTheTrainers(@TempDir Path dir) {
    Path export = dir.resolve("model");
    float[] fromTrainer;
    try (Trainer trainer = Trainer.create(VECTOR, TrainingOptions.builder().seed(3).build())) {
      fromTrainer = trainer.sample(10, 0.9, 42L);
      trainer.exportSavedModel(export);
    }
    try (FlowModel model = FlowModel.load(export)) {
      float[] oneCall = model.sample(10, 0.9, 42L);
      assertThat(oneCall).containsExactly(fromTrainer);
      assertThat(model.sampleRowsPerCall(4).sample(10, 0.9, 42L)).containsExactly(oneCall);
      assertThat(model.sampleRowsPerCall(1).sample(10, 0.9, 42L)).containsExactly(oneCall);
    }
  }

  @Test
  void onlyAnOutputArrayThatCannotExistIsRefused() {
    assertThatThrownBy(() -> SampleChunks.output(Integer.MAX_VALUE, Shape.of(3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("2147483647 samples of 3 values are 6442450941 floats, more than one Java array "
            + "holds");
    assertThat(SampleChunks.output(1000, Shape.of(3))).hasSize(3000);
  }

  private static float[] trainerSamples(FlowSpec spec, int rowsPerCall) {
    try (Trainer trainer = Trainer.create(spec,
        TrainingOptions.builder().seed(3).evaluationBatch(rowsPerCall).build())) {
      return trainer.sample(10, 0.9, 7L);
    }
  }

  /** Rows [cuts[i], cuts[i + 1]) of the stream of seed 9, one draw per piece, concatenated. */
  private static <T extends TFloating> double[] draw(int width, Class<T> type, boolean normal, int[] cuts) {
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Operand<org.tensorflow.types.TInt64> seed = Seeds.statelessSeed(tf, 9L);
      List<Operand<T>> pieces = new ArrayList<>();
      for (int i = 0; i + 1 < cuts.length; i++) {
        Operand<org.tensorflow.types.TInt32> n = tf.constant(cuts[i + 1] - cuts[i]);
        Operand<org.tensorflow.types.TInt64> first = tf.constant((long) cuts[i]);
        pieces.add(normal ? Seeds.normalRows(tf, n, width, seed, first, type)
            : Seeds.uniformRows(tf, n, width, seed, first, type));
      }
      try (Result result = session.runner().fetch(pieces.size() == 1 ? pieces.get(0)
          : tf.concat(pieces, tf.constant(0))).run()) {
        double[] values = HostTensors.toDoubles(result.get(0));
        assertThat(values).hasSize((cuts[cuts.length - 1] - cuts[0]) * width);
        return values;
      }
    }
  }
}
