package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.Coupling;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.StepSpec;
import org.flows4j.api.transform.Transforms;
import org.flows4j.tf.layers.Layer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat64;

/**
 * Spline steps beyond the conformance suite: a fresh step is the identity (its conditioner's last layer starts at
 * zero, and zero raw parameters are the identity spline), and with weights moved by σ (0.5 for MLPs and MADEs,
 * 0.25 and 0.1 for the wider conv nets; at twice that, splines get bins steep enough that float64 round trips exceed 1e-10)
 * the step bends its input strongly (|y − x| and |log-det| above 0.2) while the round trip stays within 1e-10 and
 * the log-det within 1e-8 of the brute-force Jacobian (float64). Inputs are uniform with spread 1.5, so some fall in
 * the identity tails of the bound-2 spline and most inside the others.
 */
class SplineStepsTest {

  static Stream<Arguments> steps() {
    return Stream.of(
        Arguments.of(Shape.of(4), new Coupling(Mask.HALF, Conditioners.mlp(16), Transforms.spline()), 0.5),
        Arguments.of(Shape.of(4, 4, 2),
            new Coupling(Mask.CHECKERBOARD, Conditioners.convNet(8), Transforms.spline().bins(6)), 0.25),
        Arguments.of(Shape.of(3, 3, 4),
            new Coupling(Mask.CHANNELS_FLIPPED, Conditioners.convNet(8), Transforms.spline().bound(2)), 0.1),
        Arguments.of(Shape.of(4), new MaskedAutoregressive(Conditioners.mlp(16, 16).activation(Activation.TANH),
            AutoregressiveOrder.natural(), AutoregressiveDirection.MAF, Transforms.spline()), 0.5),
        Arguments.of(Shape.of(4), new MaskedAutoregressive(Conditioners.mlp(16, 16).activation(Activation.TANH),
            AutoregressiveOrder.random(5), AutoregressiveDirection.IAF, Transforms.spline().bins(4)), 0.5));
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("steps")
  void freshStepIsTheIdentityAndMovedStepBendsStronglyAndStillConforms(Shape shape, StepSpec step, double sigma) {
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, Flows.sequential(shape).add(step).build(), 4);
      Layer<TFloat64> layer = flow.layers().get(0);
      Transformed<TFloat64> out = layer.forwardAndLogDet(g.tf, x, PassContext.evaluation());
      Operand<TFloat64> input = g.tf.identity(x);
      List<double[]> fresh;
      try (TFloat64 x0 = FlowChecks.randomBatch(shape, 3, 0.0, 1.5)) {
        fresh = g.fetch(List.of(input, out.value(), out.logDet()), Map.of(x, x0));
      }
      assertThat(FlowChecks.maxAbsDiff(fresh.get(0), fresh.get(1))).as("fresh |y - x|").isLessThanOrEqualTo(1e-12);
      assertThat(FlowChecks.maxAbs(fresh.get(2))).as("fresh |log-det|").isLessThanOrEqualTo(1e-12);

      g.perturb(flow.trainableVariables(), sigma, 17);
      List<double[]> moved;
      try (TFloat64 x0 = FlowChecks.randomBatch(shape, 3, 0.0, 1.5)) {
        moved = g.fetch(List.of(input, out.value(), out.logDet()), Map.of(x, x0));
      }
      double bend = FlowChecks.maxAbsDiff(moved.get(0), moved.get(1));
      double logDet = FlowChecks.maxAbs(moved.get(2));
      FlowChecks.Report report;
      try (TFloat64 x0 = FlowChecks.randomBatch(shape, 3, 0.0, 1.5)) {
        report = FlowChecks.check(g, FlowChecks.of(layer), x, shape, x0);
      }
      System.out.printf("spline step %-30s sigma %.2f: max |y - x| %.3f, max |log-det| %.3f, %s%n",
          step.kind() + " on " + shape, sigma, bend, logDet, report);
      assertThat(bend).as("moved max |y - x|").isGreaterThan(0.2);
      assertThat(logDet).as("moved max |log-det|").isGreaterThan(0.2);
    }
  }
}
