package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.RewriterConfig;

/** The session options follow the graph: Grappler and whole-graph placement only for graphs built in place. */
class SessionConfigsTest {
  @Test
  void aGraphOfBlockFunctionsRunsWithoutGrapplerAndPlacesPrunedGraphs() {
    ConfigProto config = SessionConfigs.training(TrainingOptions.defaults(), true);
    assertThat(config.getGraphOptions().getRewriteOptions().getDisableMetaOptimizer()).isTrue();
    assertThat(config.getGraphOptions().getPlacePrunedGraph()).isTrue();
  }

  @Test
  void aGraphBuiltInPlaceKeepsGrapplerWithoutItsMemoryOptimizer() {
    ConfigProto config = SessionConfigs.training(TrainingOptions.defaults(), false);
    RewriterConfig rewrite = config.getGraphOptions().getRewriteOptions();
    assertThat(rewrite.getDisableMetaOptimizer()).isFalse();
    assertThat(rewrite.getMemoryOptimization()).isEqualTo(RewriterConfig.MemOptType.NO_MEM_OPT);
    assertThat(config.getGraphOptions().getPlacePrunedGraph()).isFalse();
  }

  @Test
  void aResidualFlowsTrainerGraphCallsBlockFunctionsAndARealNvpsDoesNot() {
    TrainingGraph residual = new TrainingGraph(
        org.flows4j.api.Presets.residualFlow(org.flows4j.api.Shape.of(2)).blocks(2).width(8).build(),
        TrainingOptions.defaults());
    TrainingGraph realNvp = new TrainingGraph(
        org.flows4j.api.Presets.realNvp(org.flows4j.api.Shape.of(2)).couplings(2).width(8).build(),
        TrainingOptions.defaults());
    try {
      assertThat(org.flows4j.tf.residual.ResidualLayer.blocksCalledAsFunctionsIn(residual.graph)).isTrue();
      assertThat(org.flows4j.tf.residual.ResidualLayer.blocksCalledAsFunctionsIn(realNvp.graph)).isFalse();
    } finally {
      residual.graph.close();
      realNvp.graph.close();
    }
  }
}
