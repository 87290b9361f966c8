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
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The importance-weighted bound over K draws, taken in chunks of draws when K draws do not fit in one call, is the
 * log-mean-exp over all K draws: rebuilt here draw by draw (or chunk by chunk) from the same seeds, it agrees to
 * float round-off. Each chunk draws fresh noise, and with K draws that fit in one call nothing changes.
 */
class ChunkedImportanceSamplingTest {
  private static final Shape SHAPE = Shape.of(4, 4, 1);
  private static final int N = 3;
  /** Per-draw bounds are float32 from the graph (about -40 nats here); their log-mean-exp is taken in double. */
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

  private static float[] example(int i) {
    float[] one = new float[SHAPE.size()];
    System.arraycopy(pixels, i * SHAPE.size(), one, 0, one.length);
    return one;
  }

  /** log (1/K) Σ_k exp(v_k), written out here independently of the code under test. */
  private static double logMeanExp(double[] values) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (double v : values) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum / values.length);
  }

  @Test
  void trainerChunkedEvaluationIsTheLogMeanExpOverEveryDrawAndEachChunkDrawsAfresh() {
    int k = 5;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).build())) {
      trainer.step(pixels, N);
      // One row per call: each example alone, its draws one per call, so each chunk is one draw.
      double chunked = trainer.evaluate(pixels, N, ImportanceSamples.of(k).maxRowsPerCall(1))
          .negativeLogLikelihood();

      double expected = 0;
      for (int i = 0; i < N; i++) {
        double[] draws = new double[k];
        for (int j = 0; j < k; j++) {
          draws[j] = trainer.drawChunk(example(i), 1, i, j, 1)[0];
        }
        double spread = java.util.Arrays.stream(draws).max().orElseThrow()
            - java.util.Arrays.stream(draws).min().orElseThrow();
        assertThat(spread).as("the draws of example %s differ (fresh noise per chunk)", i).isGreaterThan(1e-3);
        expected -= logMeanExp(draws) / N;
      }
      assertThat(chunked).isCloseTo(expected, within(ROUND_OFF));
      assertThat(chunked).as("K = 5 is a tighter bound than one draw here")
          .isLessThan(trainer.evaluate(pixels, N).negativeLogLikelihood() + 0.5);
    }
  }

  @Test
  @SuppressWarnings("deprecation") // the positional form is what the named one must reproduce
  void withKDrawsThatFitInOneCallTheFigureIsTheSingleCallOne() {
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).build())) {
      trainer.step(pixels, N);
      assertThat(trainer.evaluate(pixels, N, ImportanceSamples.of(4)).negativeLogLikelihood())
          .isEqualTo(trainer.evaluate(pixels, N, 4).negativeLogLikelihood());
    }
  }

  @Test
  @SuppressWarnings("deprecation")
  void flowModelChunksOfDrawsThroughTheSeededSignatureCombineExactly() {
    Path export = dir.resolve("model");
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).build())) {
      trainer.step(pixels, N);
      trainer.exportSavedModel(export);
    }
    int k = 5;
    int drawsPerCall = 2; // chunks of 2, 2 and 1 draws: the last one weighs half as much
    double[][] chunkLogMeans = new double[3][];
    try (SavedModelBundle bundle = SavedModelBundle.load(export.toString(), SavedModelBundle.DEFAULT_TAG)) {
      int[] draws = {2, 2, 1};
      for (int j = 0; j < 3; j++) {
        chunkLogMeans[j] = seeded(bundle, draws[j], ImportanceSamples.chunkSeed(j));
      }
    }
    try (FlowModel model = FlowModel.load(export)) {
      float[] chunked = model.logProbImportanceWeighted(pixels, N,
          ImportanceSamples.of(k).maxRowsPerCall(drawsPerCall * N));
      for (int i = 0; i < N; i++) {
        // log (1/K) Σ_j C_j exp(a_j): each chunk's log-mean-exp weighted by its number of draws.
        double[] weighted = {chunkLogMeans[0][i], chunkLogMeans[0][i], chunkLogMeans[1][i], chunkLogMeans[1][i],
            chunkLogMeans[2][i]};
        assertThat((double) chunked[i]).as("example %s", i).isCloseTo(logMeanExp(weighted), within(ROUND_OFF));
      }
      assertThat(chunkLogMeans[0][0]).as("chunks draw different noise").isNotEqualTo(chunkLogMeans[1][0]);

      // K draws that fit: one call of the unseeded signature, as before chunks existed.
      assertThat(model.logProbImportanceWeighted(pixels, N, ImportanceSamples.of(4)))
          .containsExactly(model.logProbImportanceWeighted(pixels, N, 4));
    }
  }

  /** The seeded signature's per-example log-mean-exp over {@code draws} draws. */
  private static double[] seeded(SavedModelBundle bundle, int draws, long seed) {
    long[] dims = {N, 4, 4, 1};
    Map<String, Tensor> inputs = new HashMap<>();
    inputs.put(Signatures.X, HostTensors.float32(pixels, dims));
    inputs.put(Signatures.SAMPLES, TInt32.scalarOf(draws));
    inputs.put(Signatures.SEED, TInt64.scalarOf(seed));
    try (Result result = bundle.function(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED_SEEDED).call(inputs)) {
      return HostTensors.toDoubles((TFloat32) result.get(Signatures.LOG_PROB_OUTPUT).orElseThrow());
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }
}
