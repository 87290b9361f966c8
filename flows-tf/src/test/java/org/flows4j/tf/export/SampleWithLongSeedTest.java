package org.flows4j.tf.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.HostTensors;
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

/** {@code CompiledFlow.sample(tf, n, temperature, long seed)} against the exported {@code sample} signature. */
class SampleWithLongSeedTest {
  private static final FlowSpec SPEC = Presets.realNvp(Shape.of(2)).couplings(4).width(16).build();
  private static final long WEIGHT_SEED = 5;

  @Test
  void aLongSeedGivesTheSamplesTheExportedSignatureGivesForTheSameSeed(@TempDir Path dir) {
    Path export = dir.resolve("model");
    try (Trainer trainer = Trainer.create(SPEC, TrainingOptions.builder().seed(WEIGHT_SEED).build())) {
      trainer.exportSavedModel(export); // untrained weights: the compile seed alone fixes them
    }
    float[] inGraph = sampleInGraph(12, 0.8f, 42L);
    try (FlowModel model = FlowModel.load(export)) {
      float[] exported = model.sample(12, 0.8, 42L);
      assertThat(inGraph).hasSize(24).containsExactly(exported);
      assertThat(sampleInGraph(12, 0.8f, 43L)).isNotEqualTo(inGraph);
    }
  }

  /**
   * Documents (README, "Seeds and n") what {@code n} does to the rows: the base's stateless draw fills {@code [n, D]}
   * in order, so the first rows of a larger draw are the smaller draw; for vectors and for a multi-scale image flow.
   */
  @Test
  void samplesOfFiveAreTheFirstFiveRowsOfSamplesOfTenWithTheSameSeed() {
    for (FlowSpec spec : new FlowSpec[] {SPEC, Presets.realNvp(Shape.of(8, 8, 1)).couplings(2).width(8).build()}) {
      float[] five = sampleInGraph(spec, 5, 1f, 9L);
      float[] ten = sampleInGraph(spec, 10, 1f, 9L);
      assertThat(Arrays.copyOf(ten, five.length)).as("%s", spec.inputShape()).containsExactly(five);
    }
  }

  private static float[] sampleInGraph(int n, float temperature, long seed) {
    return sampleInGraph(SPEC, n, temperature, seed);
  }

  private static float[] sampleInGraph(FlowSpec spec, int n, float temperature, long seed) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat32> flow = FlowCompiler.compile(tf, spec, WEIGHT_SEED);
      Operand<TFloat32> samples = flow.sample(tf, tf.constant(n), tf.constant(temperature), seed);
      try (Session session = new Session(graph)) {
        session.initialize();
        try (Result result = session.runner().fetch(samples).run()) {
          double[] values = HostTensors.toDoubles(result.get(0));
          float[] out = new float[values.length];
          for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
          }
          return out;
        }
      }
    }
  }
}
