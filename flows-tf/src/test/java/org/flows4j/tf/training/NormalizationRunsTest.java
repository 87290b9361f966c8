package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.junit.jupiter.api.Test;

/**
 * The trainer runs the thorough spectral-norm refresh only for flows that have spectral norms: for the others the
 * refresh op is a NoOp (with the variational dequantizer's, a NoOp of NoOps), and each run of it around sampling,
 * evaluation and export would be a session run for nothing.
 */
class NormalizationRunsTest {
  @Test
  void onlyFlowsWithSpectralNormsRunTheRefresh() {
    assertThat(normalizes(Presets.glow(Shape.of(8, 8, 1)).levels(1).stepsPerLevel(1).width(4).build()))
        .as("Glow").isFalse();
    assertThat(normalizes(Presets.flowPlusPlus(Shape.of(4, 4, 1)).width(4).blocks(1).heads(1).components(2).build()))
        .as("Flow++ with its variational dequantizer").isFalse();
    assertThat(normalizes(Presets.residualFlow(Shape.of(2)).blocks(1).width(8).build()))
        .as("a Residual Flow").isTrue();
  }

  private static boolean normalizes(FlowSpec spec) {
    TrainingGraph g = new TrainingGraph(spec, TrainingOptions.defaults());
    try {
      return g.normalizes;
    } finally {
      g.graph.close();
    }
  }
}
