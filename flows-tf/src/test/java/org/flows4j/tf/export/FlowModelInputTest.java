package org.flows4j.tf.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.AfterAll;
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
 * Exported models refuse inputs they cannot score: out-of-range pixels, NaN and Inf, a temperature ≤ 0, an empty
 * batch. {@link FlowModel} says so in Java with the offending position; the signatures themselves carry the same
 * checks as graph asserts, so callers that bypass FlowModel (Python, TF Serving; here the raw bundle) get them too.
 */
class FlowModelInputTest {
  private static final int D = 16;

  @TempDir static Path dir;
  private static Path export;
  private static FlowModel model;
  private static SavedModelBundle raw;

  @BeforeAll
  static void exportADequantizedImageModel() {
    export = dir.resolve("saved_model");
    try (Trainer trainer = Trainer.create(Presets.glow(Shape.of(4, 4, 1)).levels(2).stepsPerLevel(1).width(8).build(), TrainingOptions.defaults())) {
      trainer.exportSavedModel(export);
    }
    model = FlowModel.load(export);
    raw = SavedModelBundle.load(export.toString(), SavedModelBundle.DEFAULT_TAG);
  }

  @AfterAll
  static void close() {
    model.close();
    raw.close();
  }

  private static float[] pixels(float... firstValues) {
    float[] x = new float[2 * D];
    Arrays.fill(x, 128f);
    System.arraycopy(firstValues, 0, x, D + 3, firstValues.length);
    return x;
  }

  @Test
  void validPixelsScoreAFiniteLogProbability() {
    float[] logProb = model.logProb(pixels(0f, 255f), 2);

    assertThat(logProb).hasSize(2);
    assertThat(Float.isFinite(logProb[0]) && Float.isFinite(logProb[1])).isTrue();
  }

  @Test
  void flowModelRefusesBadDataNamingThePosition() {
    assertThatThrownBy(() -> model.logProb(pixels(300f), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("x must hold 8-bit pixel values in [0, 255] for this model (it dequantizes them), but x[19] "
            + "(example 1) is 300.0");
    assertThatThrownBy(() -> model.bitsPerDim(pixels(-5f), 2)).hasMessageEndingWith("x[19] (example 1) is -5.0");
    assertThatThrownBy(() -> model.encode(pixels(Float.NaN), 2))
        .hasMessage("x must be finite, but x[19] (example 1) is NaN");
    assertThatThrownBy(() -> model.logProbImportanceWeighted(pixels(Float.POSITIVE_INFINITY), 2, org.flows4j.tf.ImportanceSamples.of(4)))
        .hasMessage("x must be finite, but x[19] (example 1) is Infinity");
    assertThatThrownBy(() -> model.logProb(new float[0], 0))
        .hasMessage("n must be positive (at least one example), but was 0");
    assertThatThrownBy(() -> model.decode(new float[] {Float.NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 1))
        .hasMessage("z must be finite, but z[0] (latent 0) is NaN");
  }

  @Test
  void flowModelRefusesATemperatureThatIsNotPositive() {
    for (double temperature : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e-50}) {
      assertThatThrownBy(() -> model.sample(2, temperature, 1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("temperature must be positive and finite, but was " + temperature);
    }
  }

  @Test
  void theSignaturesThemselvesRefuseBadData() {
    assertThat(rawError("log_prob", Map.of("x", images(pixels(300f)))))
        .contains("flows4j input check: x must hold 8-bit pixel values in [0, 255]");
    assertThat(rawError("log_prob", Map.of("x", images(pixels(-5f)))))
        .contains("flows4j input check: x must hold 8-bit pixel values in [0, 255]");
    assertThat(rawError("encode", Map.of("x", images(pixels(Float.NaN)))))
        .contains("flows4j input check: x must be finite");
    assertThat(rawError("log_prob_importance_weighted", Map.of("x", images(pixels(Float.NEGATIVE_INFINITY)),
        "samples", TInt32.scalarOf(2)))).contains("flows4j input check: x must be finite");
    assertThat(rawError("log_prob_importance_weighted", Map.of("x", images(pixels()), "samples",
        TInt32.scalarOf(0)))).contains("flows4j input check: samples must be at least 1");
    assertThat(rawError("log_prob", Map.of("x", images(new float[0]))))
        .contains("flows4j input check: x must hold at least one example, but the batch is empty");
  }

  @Test
  void theSampleSignatureRefusesATemperatureThatIsNotPositiveAndACountBelowOne() {
    assertThat(rawError("sample", Map.of("n", TInt32.scalarOf(2), "temperature", TFloat32.scalarOf(0f), "seed",
        TInt64.scalarOf(1)))).contains("flows4j input check: temperature must be positive and finite");
    assertThat(rawError("sample", Map.of("n", TInt32.scalarOf(2), "temperature", TFloat32.scalarOf(-1f), "seed",
        TInt64.scalarOf(1)))).contains("flows4j input check: temperature must be positive and finite");
    assertThat(rawError("sample", Map.of("n", TInt32.scalarOf(0), "temperature", TFloat32.scalarOf(1f), "seed",
        TInt64.scalarOf(1)))).contains("flows4j input check: n must be at least 1");
  }

  private static TFloat32 images(float[] x) {
    int n = x.length / D;
    return HostTensors.float32(x, new long[] {n, 4, 4, 1});
  }

  /** The error of calling a signature directly, as a Python or Serving client would; fails if there is none. */
  private static String rawError(String signature, Map<String, Tensor> inputs) {
    try (Result result = raw.function(signature).call(inputs)) {
      throw new AssertionError(signature + " accepted " + inputs.keySet() + " and returned " + result.size()
          + " outputs");
    } catch (RuntimeException e) {
      return String.valueOf(e.getMessage());
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }
}
