package org.flows4j.tf.export;

import java.util.SplittableRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.Map;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.context.ContextEncoder;
import org.flows4j.api.context.Contexts;
import org.flows4j.api.step.Mask;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.data.ConditionalToyDataSource;
import org.flows4j.tf.data.ConditionalToyDensity;
import org.flows4j.tf.data.LabelledEightGaussians;
import org.flows4j.tf.data.RadiusIndexedRing;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/** SavedModels of conditional flows: every signature takes the contexts {@code c}, and reload keeps the figures. */
class ConditionalExportTest {

  /** A class-conditional coupling flow (embedding through an MLP encoder) on labelled 8 Gaussians. */
  @Test
  void classConditionalFlowRoundTripsThroughASavedModel(@TempDir Path dir) {
    FlowSpec spec = Flows.sequential(Shape.of(2)).context(Contexts.classes(8).embedding(4).encodedBy(ContextEncoder.mlp(8, 16)))
        .stepsIndexed(4, (i, s) -> s.actNorm().affineCoupling(Mask.HALF.flippedIf(i % 2 == 1), Conditioners.mlp(16)))
        .build();
    roundTrip(spec, new LabelledEightGaussians(), dir);
  }

  /** A MAF (MADE conditioners) given a continuous context, the radius of a ring. */
  @Test
  void featureConditionalMafRoundTripsThroughASavedModel(@TempDir Path dir) {
    FlowSpec spec = Flows.sequential(Shape.of(2)).context(Contexts.features(1))
        .steps(3, s -> s.maf(16, 16).reverse())
        .build();
    roundTrip(spec, RadiusIndexedRing.standard(), dir);
  }

  /**
   * Trains 20 steps with EMA, exports, reloads. Asserts: the mean exported {@code log_prob(x, c)} equals the
   * trainer's held-out NLL on the same pairs (1e-4 nats: both run the EMA weights and the same evaluation path);
   * a second load gives bit-identical log-probs; {@code decode(encode(x, c), c)} returns x (1e-4); swapping the
   * contexts changes the log-probs (the c input is really wired through); {@code sample(n, c, t, seed)} equals
   * {@code Trainer.sample} with the same seed and contexts (1e-5) and the importance-weighted signature at K = 1
   * equals {@code log_prob}.
   */
  private static void roundTrip(FlowSpec spec, ConditionalToyDensity density, Path dir) {
    Path export = dir.resolve("model");
    ConditionalBatch test = density.sample(64, new SplittableRandom(77));
    int n = test.size();
    float[] samplesHere;
    float[] sampleContexts = density.sample(10, new SplittableRandom(5)).context();
    double expectedNll;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().emaDecay(0.9).seed(1).build())) {
      ConditionalToyDataSource train = new ConditionalToyDataSource(density, 2);
      for (int i = 0; i < 20; i++) {
        trainer.step(train.batch(i, 64));
      }
      trainer.exportSavedModel(export);
      expectedNll = trainer.evaluate(test).negativeLogLikelihood();
      samplesHere = trainer.sample(10, sampleContexts, 0.8, 3);
    }
    float[] logProb;
    try (FlowModel model = FlowModel.load(export)) {
      assertThat(model.isConditional()).isTrue();
      assertThat(model.spec()).isEqualTo(spec);
      logProb = model.logProb(test.x(), test.context(), n);
      assertThat(-mean(logProb)).isCloseTo(expectedNll, within(1e-4));
      assertThat(model.logProbImportanceWeighted(test.x(), test.context(), n, org.flows4j.tf.ImportanceSamples.of(1))).containsExactly(logProb);

      float[] back = model.decode(model.encode(test.x(), test.context(), n), test.context(), n);
      for (int i = 0; i < back.length; i++) {
        assertThat(back[i]).isCloseTo(test.x()[i], within(1e-4f));
      }

      float[] shuffled = test.context().clone();
      for (int i = 0; i < n; i++) {
        shuffled[i] = test.context()[(i + n / 2) % n];
      }
      float[] otherContexts = model.logProb(test.x(), shuffled, n);
      double difference = 0;
      for (int i = 0; i < n; i++) {
        difference = Math.max(difference, Math.abs(otherContexts[i] - logProb[i]));
      }
      assertThat(difference).as("max |log p(x|c) - log p(x|c')|").isGreaterThan(0.1);

      float[] samples = model.sample(10, sampleContexts, 0.8, 3);
      assertThat(samples).hasSize(20);
      for (int i = 0; i < samples.length; i++) {
        assertThat(samples[i]).isCloseTo(samplesHere[i], within(1e-5f));
      }
    }
    try (FlowModel again = FlowModel.load(export)) {
      assertThat(again.logProb(test.x(), test.context(), n)).containsExactly(logProb);
    }
  }

  @Test
  void conditionalModelsNeedContextsAndCheckThem(@TempDir Path dir) {
    FlowSpec spec = Flows.sequential(Shape.of(2)).context(Contexts.classes(3).embedding(2))
        .steps(1, s -> s.affineCoupling(Mask.HALF, Conditioners.mlp(4)))
        .build();
    Path export = dir.resolve("model");
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.defaults())) {
      trainer.exportSavedModel(export);
    }
    float[] x = {0f, 1f, 2f, 3f};
    try (FlowModel model = FlowModel.load(export)) {
      assertThatThrownBy(() -> model.logProb(x, 2))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageEndingWith("): pass the contexts, with logProb(x, c, n)");
      assertThatThrownBy(() -> model.sample(2, 1.0, 0)).hasMessageEndingWith("with sample(n, c, temperature, seed)");
      assertThatThrownBy(() -> model.logProb(x, new float[] {0, 3}, 2))
          .hasMessage("c must hold class indices, whole numbers from 0 to 2, but c[1] (example 1) is 3.0");
      assertThatThrownBy(() -> model.encode(x, new float[] {Float.NaN, 0}, 2))
          .hasMessage("c must be finite, but c[0] (example 0) is NaN");
      assertThatThrownBy(() -> model.decode(x, new float[] {0}, 2))
          .hasMessage("expected 2 contexts of 1 values (2 floats), but got 1 floats");
    }
    // The graph checks too, for Python and TF Serving clients that call the signatures directly.
    try (SavedModelBundle raw = SavedModelBundle.load(export.toString(), SavedModelBundle.DEFAULT_TAG)) {
      assertThat(rawError(raw, "log_prob", Map.of("x", HostTensors.float32(x, 2, 2),
          "c", HostTensors.float32(new float[] {0, 1.5f}, 2, 1))))
          .contains("flows4j input check: c must hold class indices, whole numbers from 0 to 2");
      assertThat(rawError(raw, "encode", Map.of("x", HostTensors.float32(x, 2, 2),
          "c", HostTensors.float32(new float[] {0}, 1, 1))))
          .contains("flows4j input check: c must hold one context per example");
      assertThat(rawError(raw, "sample", Map.of("n", TInt32.scalarOf(3), "c", HostTensors.float32(new float[] {0, 1},
          2, 1), "temperature", TFloat32.scalarOf(1f), "seed", TInt64.scalarOf(1))))
          .contains("flows4j input check: c must hold one context per example");
    }
  }

  @Test
  void unconditionalModelsRefuseContexts(@TempDir Path dir) {
    Path export = dir.resolve("model");
    try (Trainer trainer = Trainer.create(Presets.realNvp(Shape.of(2)).couplings(1).width(4).build(), TrainingOptions.defaults())) {
      trainer.exportSavedModel(export);
    }
    try (FlowModel model = FlowModel.load(export)) {
      assertThat(model.isConditional()).isFalse();
      assertThatThrownBy(() -> model.logProb(new float[2], new float[1], 1))
          .hasMessage("this model declares no context: call logProb(x, n) without contexts");
    }
  }

  private static String rawError(SavedModelBundle raw, String signature, Map<String, Tensor> inputs) {
    try (Result result = raw.function(signature).call(inputs)) {
      throw new AssertionError(signature + " accepted " + inputs.keySet() + " and returned " + result.size()
          + " outputs");
    } catch (RuntimeException e) {
      return String.valueOf(e.getMessage());
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }

  private static double mean(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    return sum / values.length;
  }
}
