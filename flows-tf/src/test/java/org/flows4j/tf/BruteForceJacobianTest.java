package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.StepSpec;
import org.flows4j.tf.layers.Layer;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat64;

/**
 * The conformance suite's two ways to the brute-force Jacobian agree: rows from one backward pass over copies of the
 * batch equal the rows of one pass per output, and copies of a step with dropout are told apart from the forward.
 */
class BruteForceJacobianTest {
  private static final Shape SHAPE = Shape.of(4, 4, 2);

  @Test
  void rowsFromCopiesEqualOneBackwardPassPerOutput() {
    StepSpec step = new AffineCoupling(Mask.CHECKERBOARD, Conditioners.convNet(4), AffineScale.expSoftClamp(2.0));
    try (GraphFixture g = new GraphFixture()) {
      Layer<TFloat64> layer = perturbedLayer(g, step);
      Placeholder<TFloat64> x = FlowChecks.input(g, SHAPE);
      int d = SHAPE.size();
      Operand<TFloat64> y = g.tf.reshape(layer.forwardAndLogDet(g.tf, x, PassContext.training()).value(),
          g.tf.constant(new int[] {FlowChecks.BATCH, d}));
      List<Operand<TFloat64>> rows = BruteForceJacobian.rows(g.tf, y, x, FlowChecks.BATCH, d);
      BruteForceJacobian.Copies copies = BruteForceJacobian.rowsFromCopies(g.tf,
          input -> layer.forwardAndLogDet(g.tf, input, PassContext.training()).value(), x, FlowChecks.BATCH, d);
      Map<Operand<?>, Tensor> feed = Map.of(x, FlowChecks.randomBatch(SHAPE, 2, 0.0, 1.0));

      List<double[]> perOutput = g.fetch(rows, feed);
      List<double[]> fetched = g.fetch(List.of(y, copies.outputs(), copies.rows()), feed);
      List<double[]> fromCopies = BruteForceJacobian.Copies.split(fetched.get(2), d);

      assertThat(BruteForceJacobian.copiesAgree(fetched.get(1), fetched.get(0), FlowChecks.COPY_TOLERANCE)).isTrue();
      assertThat(fromCopies).hasSameSizeAs(perOutput);
      double largest = 0;
      double difference = 0;
      for (int j = 0; j < d; j++) {
        largest = Math.max(largest, FlowChecks.maxAbs(perOutput.get(j)));
        difference = Math.max(difference, FlowChecks.maxAbsDiff(fromCopies.get(j), perOutput.get(j)));
      }
      System.out.printf("Jacobian rows from copies vs per output: max difference %.3e (largest entry %.3f)%n",
          difference, largest);
      assertThat(largest).as("a Jacobian worth comparing").isGreaterThan(0.5);
      assertThat(difference).isLessThanOrEqualTo(1e-12);
    }
  }

  @Test
  void copiesOfAStepWithDropoutDoNotStandForItsForward() {
    StepSpec step = new AffineCoupling(Mask.CHECKERBOARD, Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(0.2),
        AffineScale.expSoftClamp(2.0));
    try (GraphFixture g = new GraphFixture()) {
      Layer<TFloat64> layer = perturbedLayer(g, step);
      Placeholder<TFloat64> x = FlowChecks.input(g, SHAPE);
      int d = SHAPE.size();
      Operand<TFloat64> y = layer.forwardAndLogDet(g.tf, x, PassContext.training()).value();
      BruteForceJacobian.Copies copies = BruteForceJacobian.rowsFromCopies(g.tf,
          input -> layer.forwardAndLogDet(g.tf, input, PassContext.training()).value(), x, FlowChecks.BATCH, d);

      List<double[]> fetched = g.fetch(List.of(y, copies.outputs()),
          Map.of(x, FlowChecks.randomBatch(SHAPE, 2, 0.0, 1.0)));

      assertThat(BruteForceJacobian.copiesAgree(fetched.get(1), fetched.get(0), FlowChecks.COPY_TOLERANCE)).isFalse();
    }
  }

  private static Layer<TFloat64> perturbedLayer(GraphFixture g, StepSpec step) {
    Placeholder<TFloat64> init = FlowChecks.input(g, SHAPE);
    CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, Flows.sequential(SHAPE).add(step).build(), 11);
    g.run(flow.dataInitialization(g.tf, init), Map.of(init, FlowChecks.randomBatch(SHAPE, 1, 0.7, 2.0)));
    g.perturb(flow.trainableVariables(), 0.3, 5);
    return flow.layers().get(0);
  }
}
