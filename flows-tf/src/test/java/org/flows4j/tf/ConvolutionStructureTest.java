package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.step.StepSpec;
import org.flows4j.tf.layers.Layer;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat64;

/**
 * What the conformance suite cannot see in the Hoogeboom et al. convolutions: that each autoregressive factor of an
 * emerging convolution is triangular in raster order while their composition is a full convolution, and that the
 * in-graph inverses stay exact on an image of realistic size.
 */
class ConvolutionStructureTest {

  private static final Shape SMALL = Shape.of(3, 3, 2);

  /** Variables in creation order: causal kernel, causal log-scale, anticausal kernel, anticausal log-scale. */
  @Test
  void emergingFactorsAreTriangularAndTheirCompositionIsAFullConvolution() {
    int d = SMALL.size();
    FlowSpec spec = Flows.sequential(SMALL).add(new EmergingConv(3)).build();
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 5);
      Layer<TFloat64> layer = flow.layers().get(0);
      List<Variable<TFloat64>> variables = flow.trainableVariables();
      assertThat(variables).hasSize(4);
      Placeholder<TFloat64> x = FlowChecks.input(g, SMALL);
      Operand<TFloat64> y = g.tf.reshape(layer.forwardAndLogDet(g.tf, x, PassContext.training()).value(),
          g.tf.constant(new int[] {FlowChecks.BATCH, d}));
      List<Operand<TFloat64>> rows = BruteForceJacobian.rows(g.tf, y, x, FlowChecks.BATCH, d);
      Map<Operand<?>, org.tensorflow.Tensor> feed = Map.of(x, FlowChecks.randomBatch(SMALL, 2, 0.0, 1.0));
      g.perturb(variables, 0.3, 9);

      double[][] full = jacobian(g.fetch(rows, feed), d);
      // Output at the centre pixel, channel 0 (raster index 8), reads every value of the 3×3 image.
      for (int i = 0; i < d; i++) {
        assertThat(Math.abs(full[8][i])).as("dz_8/dx_%s", i).isGreaterThan(1e-6);
      }
      assertThat(maxAbove(full)).isGreaterThan(1e-3);
      assertThat(maxAbove(transpose(full))).isGreaterThan(1e-3);

      // The anticausal factor alone (the causal one set to the identity): upper triangular.
      g.run(zero(g, variables.get(0), variables.get(1)), Map.of());
      double[][] anticausal = jacobian(g.fetch(rows, feed), d);
      assertThat(maxAbove(transpose(anticausal))).isEqualTo(0.0);
      assertThat(maxAbove(anticausal)).isGreaterThan(1e-3);

      // The causal factor alone (the anticausal one set to the identity, the causal one perturbed again): lower
      // triangular with a non-zero diagonal.
      g.run(zero(g, variables.get(2), variables.get(3)), Map.of());
      g.perturb(variables.subList(0, 2), 0.3, 10);
      double[][] causal = jacobian(g.fetch(rows, feed), d);
      assertThat(maxAbove(causal)).isEqualTo(0.0);
      assertThat(maxAbove(transpose(causal))).isGreaterThan(1e-3);
      for (int i = 0; i < d; i++) {
        assertThat(Math.abs(causal[i][i])).isGreaterThan(1e-3);
      }
    }
  }

  @Test
  void emergingInverseIsExactOnAnEightByEightImage() {
    double error = roundTripAtScale(new EmergingConv(3), "emergingConv(3)");
    assertThat(error).isLessThan(1e-10);
  }

  @Test
  void periodicInverseIsExactOnAnEightByEightImage() {
    double error = roundTripAtScale(new PeriodicConv(3), "periodicConv(3)");
    assertThat(error).isLessThan(1e-10);
  }

  /** Forward then inverse at [8, 8, 2] in float64 with perturbed weights; prints the time of one inverse run. */
  private static double roundTripAtScale(StepSpec step, String name) {
    Shape shape = Shape.of(8, 8, 2);
    FlowSpec spec = Flows.sequential(shape).add(step).build();
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 7);
      Layer<TFloat64> layer = flow.layers().get(0);
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      Placeholder<TFloat64> z = FlowChecks.input(g, shape);
      Operand<TFloat64> forward = layer.forwardAndLogDet(g.tf, x, PassContext.training()).value();
      Operand<TFloat64> inverse = layer.inverseAndLogDet(g.tf, z, PassContext.evaluation()).value();
      g.perturb(flow.trainableVariables(), 0.3, 4);
      long[] dims = {FlowChecks.BATCH, 8, 8, 2};
      TFloat64 x0 = FlowChecks.randomBatch(shape, 3, 0.0, 1.0);
      double[] x0Values = HostTensors.toDoubles(x0);
      double[] z0 = g.fetch(forward, Map.of(x, x0));
      Map<Operand<?>, org.tensorflow.Tensor> feed = Map.of(z, HostTensors.of(TFloat64.class, z0, dims));
      g.fetch(inverse, feed); // warm-up
      long start = System.nanoTime();
      double[] back = g.fetch(inverse, feed);
      double millis = (System.nanoTime() - start) / 1e6;
      double error = FlowChecks.maxAbsDiff(back, x0Values);
      System.out.printf("inverse %s on [8, 8, 2], batch %d, float64: %.1f ms, max |x − f⁻¹(f(x))| = %.3g%n",
          name, FlowChecks.BATCH, millis, error);
      return error;
    }
  }

  private static Op zero(GraphFixture g, Variable<TFloat64> kernel, Variable<TFloat64> logScale) {
    return g.tf.withControlDependencies(List.of(
        g.tf.assign(kernel, g.tf.math.mul(kernel, g.tf.constant(0.0))),
        g.tf.assign(logScale, g.tf.math.mul(logScale, g.tf.constant(0.0))))).noOp();
  }

  /** Example 0's Jacobian {@code [output][input]} from the brute-force rows. */
  private static double[][] jacobian(List<double[]> rows, int d) {
    double[][] m = new double[d][];
    for (int j = 0; j < d; j++) {
      m[j] = java.util.Arrays.copyOf(rows.get(j), d);
    }
    return m;
  }

  /** The largest |entry| strictly above the diagonal (an output reading a later input). */
  private static double maxAbove(double[][] m) {
    double max = 0;
    for (int j = 0; j < m.length; j++) {
      for (int i = j + 1; i < m.length; i++) {
        max = Math.max(max, Math.abs(m[j][i]));
      }
    }
    return max;
  }

  private static double[][] transpose(double[][] m) {
    double[][] t = new double[m.length][m.length];
    for (int j = 0; j < m.length; j++) {
      for (int i = 0; i < m.length; i++) {
        t[i][j] = m[j][i];
      }
    }
    return t;
  }
}
