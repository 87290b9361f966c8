package org.flows4j.tf.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowChecks;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.GraphFixture;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.PassContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Tensor;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat64;

/**
 * The emerging convolution keeps each factor's solver operator between session runs ({@link WeightDerivedCache}):
 * a run whose kernels did not change reuses it, and a run after any change of a kernel computes it again, so the
 * inverse is never solved with another kernel's operator. Checked in float64, on one block and on 2×2 blocks:
 * <ul>
 *   <li>round trip ≤ 1e-10 before and after the weights are moved, with the new z = f(x) under the new weights;
 *   <li>the cached operator really is reused: the run's step stats show no {@code MatrixTriangularSolve} (the
 *       block inverse, computed only when an operator is computed) when nothing changed, and one per factor on the
 *       first run and on the run after the change.
 * </ul>
 */
class EmergingOperatorCacheTest {
  @ParameterizedTest(name = "emergingConv({0}) on [{1}, {2}, {3}]")
  @CsvSource({"3, 8, 8, 2", "3, 14, 14, 4"})
  void movedWeightsAreSolvedWithTheirOwnOperatorAndUnchangedOnesReuseTheCache(int k, int h, int w, int c) {
    Shape shape = Shape.of(h, w, c);
    FlowSpec spec = Flows.sequential(shape).add(new EmergingConv(k)).build();
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 7);
      Layer<TFloat64> layer = flow.layers().get(0);
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      Placeholder<TFloat64> z = FlowChecks.input(g, shape);
      Operand<TFloat64> forward = layer.forwardAndLogDet(g.tf, x, PassContext.training()).value();
      Operand<TFloat64> inverse = layer.inverseAndLogDet(g.tf, z, PassContext.evaluation()).value();
      long[] dims = {FlowChecks.BATCH, h, w, c};
      double[] x0 = HostTensors.toDoubles(FlowChecks.randomBatch(shape, 3, 0.0, 1.0));
      g.perturb(flow.trainableVariables(), 0.3, 4);

      double[] z0 = g.fetch(forward, Map.of(x, HostTensors.of(TFloat64.class, x0, dims)));
      Solve first = solve(g, inverse, z, z0, dims);
      Solve again = solve(g, inverse, z, z0, dims);
      g.perturb(flow.trainableVariables(), 0.05, 5); // small: a large move can make a diagonal tiny
      double[] z1 = g.fetch(forward, Map.of(x, HostTensors.of(TFloat64.class, x0, dims)));
      Solve moved = solve(g, inverse, z, z1, dims);
      // The old z under the new weights no longer gives x: the weights moved enough for a stale operator to show.
      Solve oldZ = solve(g, inverse, z, z0, dims);

      double errorFirst = FlowChecks.maxAbsDiff(first.x(), x0);
      double errorAgain = FlowChecks.maxAbsDiff(again.x(), x0);
      double errorMoved = FlowChecks.maxAbsDiff(moved.x(), x0);
      double shift = FlowChecks.maxAbsDiff(oldZ.x(), x0);
      System.out.printf("emerging operator cache on %s: round trip %.3g (first run, %d triangular solves), %.3g "
          + "(same weights, %d), %.3g (moved weights, %d); old z under the moved weights is off by %.3g%n", shape,
          errorFirst, first.triangularSolves(), errorAgain, again.triangularSolves(), errorMoved,
          moved.triangularSolves(), shift);
      assertThat(errorFirst).isLessThan(1e-10);
      assertThat(errorAgain).isLessThan(1e-10);
      assertThat(errorMoved).isLessThan(1e-10);
      assertThat(shift).isGreaterThan(1e-2);
      assertThat(first.triangularSolves()).isEqualTo(2);
      assertThat(again.triangularSolves()).isZero();
      assertThat(moved.triangularSolves()).isEqualTo(2);
      assertThat(oldZ.triangularSolves()).isZero();
    }
  }

  /** One inverse run: the solution and how many {@code MatrixTriangularSolve} nodes ran in it. */
  private record Solve(double[] x, int triangularSolves) {}

  private static Solve solve(GraphFixture g, Operand<TFloat64> inverse, Placeholder<TFloat64> z, double[] values,
      long[] dims) {
    try (Tensor fed = HostTensors.of(TFloat64.class, values, dims);
        Result result = g.session().runner().feed(z, fed).fetch(inverse)
            .setOptions(RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build())
            .runAndFetchMetadata()) {
      int solves = 0;
      for (var device : result.getMetadata().orElseThrow().getStepStats().getDevStatsList()) {
        for (NodeExecStats node : device.getNodeStatsList()) {
          if (node.getTimelineLabel().contains(" = MatrixTriangularSolve(")) {
            solves++;
          }
        }
      }
      return new Solve(HostTensors.toDoubles(result.get(0)), solves);
    }
  }
}
