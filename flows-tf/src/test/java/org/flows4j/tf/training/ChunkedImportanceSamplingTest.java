package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.step.Mask;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.ImportanceSamples;
import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.export.Signatures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The importance-weighted bound over K draws, taken in chunks (of examples with all their draws, or of one example's
 * draws) when K draws do not fit in one call, is the single call's figure: every call places its draws in the one
 * noise stream of the evaluation (draw k of example e is row e·K + k), so chunked and single-call evaluations draw
 * the same noise and agree to float round-off, in the trainer and in the export.
 */
class ChunkedImportanceSamplingTest {
  private static final Shape SHAPE = Shape.of(4, 4, 1);
  private static final int N = 3;
  /**
   * Chunks combine float32 per-chunk figures (about -40 nats here) in double, one call reduces in float32: they
   * agree to float round-off, far below the spread between draws (checked to exceed 1e-3).
   */
  private static final double ROUND_OFF = 1e-4;

  @TempDir static Path dir;
  private static FlowSpec spec;
  private static float[] pixels;

  @BeforeAll
  static void spec() {
    spec = Flows.sequential(SHAPE)
        .dequantize(Dequantization.uniform(256)).logit(0.05)
        .stepsIndexed(2, (i, step) -> step.actNorm()
            .affineCoupling(Mask.CHECKERBOARD.flippedIf(i % 2 == 1), Conditioners.convNet(4)))
        .build();
    SplittableRandom random = new SplittableRandom(3);
    pixels = new float[N * SHAPE.size()];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextInt(256);
    }
  }

  @Test
  void trainerEvaluationInChunksOfAnySizeIsTheSingleCallFigure() {
    int k = 5;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).build())) {
      trainer.step(pixels, N);
      double oneCall = trainer.evaluate(pixels, N, ImportanceSamples.of(k)).negativeLogLikelihood();
      // 1 and 2 rows per call: one example at a time, its draws in chunks of 1 and 2 (2, 2, 1); 10 rows: chunks of
      // two examples with all their draws.
      for (int rows : new int[] {1, 2, 10}) {
        assertThat(trainer.evaluate(pixels, N, ImportanceSamples.of(k).maxRowsPerCall(rows)).negativeLogLikelihood())
            .as("%s rows per call", rows).isCloseTo(oneCall, within(ROUND_OFF));
      }
      assertThat(oneCall).as("K = 5 is a tighter bound than one draw here")
          .isLessThan(trainer.evaluate(pixels, N).negativeLogLikelihood() + 0.5);
    }
  }

  @Test
  void flowModelInChunksOfAnySizeIsTheSingleCallFigureAndTheTrainersToo() {
    int k = 5;
    Path export = dir.resolve("model");
    double trainerFigure;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).build())) {
      trainer.step(pixels, N);
      trainerFigure = trainer.evaluate(pixels, N, ImportanceSamples.of(k)).negativeLogLikelihood();
      trainer.exportSavedModel(export);
    }
    try (FlowModel model = FlowModel.load(export)) {
      float[] oneCall = model.logProbImportanceWeighted(pixels, N,
          ImportanceSamples.of(k).maxRowsPerCall(Integer.MAX_VALUE));
      for (int rows : new int[] {1, 2, 10}) {
        float[] chunked = model.logProbImportanceWeighted(pixels, N, ImportanceSamples.of(k).maxRowsPerCall(rows));
        for (int i = 0; i < N; i++) {
          assertThat((double) chunked[i]).as("%s rows per call, example %s", rows, i)
              .isCloseTo(oneCall[i], within(ROUND_OFF));
        }
      }
      double mean = 0;
      for (float logProb : oneCall) {
        mean -= logProb / (double) N;
      }
      assertThat(mean).as("the export draws the trainer's evaluation noise").isCloseTo(trainerFigure,
          within(ROUND_OFF));
    }
    // The draws themselves differ by far more than the tolerance, so chunks that drew other noise would fail.
    try (SavedModelBundle bundle = SavedModelBundle.load(export.toString(), SavedModelBundle.DEFAULT_TAG)) {
      double[] draws = new double[k];
      for (int j = 0; j < k; j++) {
        draws[j] = oneDraw(bundle, j);
      }
      double spread = java.util.Arrays.stream(draws).max().orElseThrow()
          - java.util.Arrays.stream(draws).min().orElseThrow();
      assertThat(spread).as("spread of example 0's draws").isGreaterThan(1e-3);
    }
  }

  /** Example 0's bound at noise row {@code row}: one draw through the {@code _rows} signature. */
  private static double oneDraw(SavedModelBundle bundle, long row) {
    Map<String, Tensor> inputs = new HashMap<>();
    inputs.put(Signatures.X, HostTensors.float32(java.util.Arrays.copyOf(pixels, SHAPE.size()), 1, 4, 4, 1));
    inputs.put(Signatures.SAMPLES, TInt32.scalarOf(1));
    inputs.put(Signatures.FIRST_ROW, TInt64.scalarOf(row));
    try (Result result = bundle.function(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED_ROWS).call(inputs)) {
      return HostTensors.toDoubles(result.get(Signatures.LOG_PROB_OUTPUT).orElseThrow())[0];
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }
}
