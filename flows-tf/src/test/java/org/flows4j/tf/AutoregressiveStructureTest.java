package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.transform.CouplingTransform;
import org.flows4j.api.transform.Transforms;
import org.flows4j.tf.layers.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat64;

/**
 * The conformance suite cannot tell a MADE that drops dependencies from a correct one (an elementwise affine map is
 * also invertible with the right log-det). Here the Jacobian must be triangular in visiting order with every
 * entry below the diagonal non-zero: output j depends on input i exactly when i is visited no later than j.
 */
class AutoregressiveStructureTest {

  @ParameterizedTest
  @EnumSource(AutoregressiveDirection.class)
  void jacobianIsFullyLowerTriangularInVisitingOrder(AutoregressiveDirection direction) {
    checkFullyLowerTriangular(direction, Transforms.affine(AffineScale.expSoftClamp(2.0)));
  }

  /** The same with the spline map: the MADE's P = 3K − 1 outputs per feature regrouped per feature. */
  @ParameterizedTest
  @EnumSource(AutoregressiveDirection.class)
  void splineJacobianIsFullyLowerTriangularInVisitingOrder(AutoregressiveDirection direction) {
    checkFullyLowerTriangular(direction, Transforms.spline().bins(5));
  }

  private static void checkFullyLowerTriangular(AutoregressiveDirection direction, CouplingTransform transform) {
    int d = 5;
    Shape shape = Shape.of(d);
    AutoregressiveOrder order = AutoregressiveOrder.random(21);
    MaskedAutoregressive step = new MaskedAutoregressive(Conditioners.mlp(8, 8).activation(Activation.TANH), order,
        direction, transform);
    FlowSpec spec = Flows.sequential(shape).add(step).build();
    int[] position = new int[d];
    int[] visiting = order.visitingOrder(d);
    for (int k = 0; k < d; k++) {
      position[visiting[k]] = k;
    }
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 4);
      Layer<TFloat64> layer = flow.layers().get(0);
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      g.run(flow.dataInitialization(g.tf, x), Map.of(x, FlowChecks.randomBatch(shape, 1, 0.0, 1.0)));
      g.perturb(flow.trainableVariables(), 0.5, 3);
      Operand<TFloat64> y = layer.forwardAndLogDet(g.tf, x, PassContext.training()).value();
      List<double[]> rows = g.fetch(BruteForceJacobian.rows(g.tf, y, x, FlowChecks.BATCH, d),
          Map.of(x, FlowChecks.randomBatch(shape, 2, 0.0, 1.0)));
      for (int j = 0; j < d; j++) {
        for (int i = 0; i < d; i++) {
          double entry = rows.get(j)[i]; // example 0: dy_j / dx_i
          if (position[i] > position[j]) {
            assertThat(entry).as("dy_%s/dx_%s", j, i).isEqualTo(0.0);
          } else {
            assertThat(Math.abs(entry)).as("dy_%s/dx_%s", j, i).isGreaterThan(1e-6);
          }
        }
      }
    }
  }

  /**
   * MAF sampling runs its d − 1 sweeps in a while loop: the sampling graph has as many ops for d = 32 as for d = 4
   * (the figure is printed; the loop's body is a function whose size does not depend on d either).
   */
  @Test
  void mafSamplingGraphDoesNotGrowWithTheDimension() {
    long small = samplingOps(4);
    long large = samplingOps(32);
    System.out.printf("MAF sampling graph: %d ops for d = 4, %d ops for d = 32%n", small, large);
    assertThat(large).isEqualTo(small);
  }

  /** The ops one MAF step's inverse adds to the graph, for a MADE of two hidden layers of 16 on {@code [d]}. */
  private static long samplingOps(int d) {
    Shape shape = Shape.of(d);
    MaskedAutoregressive step = new MaskedAutoregressive(Conditioners.mlp(16, 16), AutoregressiveOrder.natural(),
        AutoregressiveDirection.MAF, Transforms.affine(AffineScale.expSoftClamp(2.0)));
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, Flows.sequential(shape).add(step).build(), 4);
      Placeholder<TFloat64> z = FlowChecks.input(g, shape);
      long before = count(g.graph);
      flow.layers().get(0).inverseAndLogDet(g.tf, z, PassContext.evaluation());
      return count(g.graph) - before;
    }
  }

  private static long count(Graph graph) {
    long ops = 0;
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); it.next()) {
      ops++;
    }
    return ops;
  }
}
