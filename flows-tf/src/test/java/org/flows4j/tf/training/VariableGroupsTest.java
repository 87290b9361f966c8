package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.flows4j.api.base.Bases;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.context.Contexts;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.Mask;
import org.junit.jupiter.api.Test;

/**
 * The groups a non-finite step report can name: variables that belong to no step (the context embedding, Glow's
 * learned priors) are named for what they are, and only the base distribution's own parameters are "base
 * distribution".
 */
class VariableGroupsTest {
  @Test
  void contextEmbeddingAndLearnedPriorsAreTheirOwnGroupsNotTheBaseDistributions() {
    FlowSpec spec = Flows.multiscale(Shape.of(4, 4, 1))
        .context(Contexts.classes(3).embedding(4))
        .factorOutPrior(FactorOutPrior.LEARNED)
        .base(Bases.diagonalGaussian())
        .levels(2, level -> level.squeeze().steps(1, s -> s.actNorm()
            .affineCoupling(Mask.CHANNELS, Conditioners.convNet(4), AffineScale.sigmoid())))
        .build();
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.defaults())) {
      assertThat(trainer.variableGroupNames()).containsExactly(
          "levels[0].steps[1] (actNorm)", "levels[0].steps[2] (affineCoupling)",
          "levels[1].steps[1] (actNorm)", "levels[1].steps[2] (affineCoupling)",
          "context embedding", "levels[0].steps[3] (factorOut) prior", "top prior", "base distribution");
    }
  }
}
