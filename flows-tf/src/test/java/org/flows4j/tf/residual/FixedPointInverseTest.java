package org.flows4j.tf.residual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.residual.Inverse;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.HostTensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

class FixedPointInverseTest {

  /** A float32 block with weights scaled up (so the constraint is active, as after training) and normalised. */
  private static double[] roundTrip(FlowSpec spec, Shape shape, int n, List<double[]> diagnostics) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat32> flow = FlowCompiler.compile(tf, spec, 9);
      @SuppressWarnings("unchecked")
      ResidualLayer<TFloat32> layer = (ResidualLayer<TFloat32>) flow.layers().get(0);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class);
      Operand<TFloat32> y = layer.forwardAndLogDet(tf, x, PassContext.training()).value();
      ResidualLayer.FixedPointResult<TFloat32> solved = layer.solve(tf, y);
      Operand<TFloat32> back = layer.inverseAndLogDet(tf, y, PassContext.evaluation()).value();
      try (Session session = new Session(graph)) {
        session.initialize();
        // Plus noise: an MLP branch's last layer starts near zero (the official init), and must be active too.
        List<org.tensorflow.op.Op> grow = new java.util.ArrayList<>();
        List<Variable<TFloat32>> variables = flow.trainableVariables();
        for (int i = 0; i < variables.size(); i++) {
          Variable<TFloat32> v = variables.get(i);
          Operand<TFloat32> noise = tf.math.mul(tf.constant(0.3f), tf.random.statelessRandomNormal(
              tf.shape(v), tf.constant(new long[] {5, i}), TFloat32.class));
          grow.add(tf.assign(v, tf.math.add(tf.math.mul(v, tf.constant(4f)), noise)));
        }
        session.run(tf.withControlDependencies(grow).noOp());
        session.run(flow.normalizationUpdate(tf, true));
        SplittableRandom random = new SplittableRandom(1);
        float[] values = new float[n * shape.size()];
        for (int i = 0; i < values.length; i++) {
          values[i] = (float) (2 * random.nextGaussian());
        }
        long[] dims = new long[shape.rank() + 1];
        dims[0] = n;
        for (int i = 0; i < shape.rank(); i++) {
          dims[i + 1] = shape.dim(i);
        }
        try (TFloat32 input = HostTensors.float32(values, dims);
            Result result = session.runner().feed(x, input).fetch(back).fetch(solved.iterations())
                .fetch(solved.change()).run()) {
          double[] recovered = HostTensors.toDoubles(result.get(0));
          diagnostics.add(HostTensors.toDoubles(result.get(1)));
          diagnostics.add(HostTensors.toDoubles(result.get(2)));
          double max = 0;
          for (int i = 0; i < values.length; i++) {
            max = Math.max(max, Math.abs(recovered[i] - values[i]));
          }
          return new double[] {max};
        }
      }
    }
  }

  @Test
  void defaultInverseRecoversTheInputWithin1e5AndReportsItsIterations() {
    FlowSpec mlp = Flows.sequential(Shape.of(6))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(64, 64))).build();
    List<double[]> diagnostics = new java.util.ArrayList<>();
    double error = roundTrip(mlp, Shape.of(6), 256, diagnostics)[0];
    System.out.printf("MLP block inverse: max error %.2e after %.0f iterations (last error bound %.2e)%n", error,
        diagnostics.get(0)[0], diagnostics.get(1)[0]);
    assertThat(error).isLessThanOrEqualTo(1e-5);
    assertThat(diagnostics.get(0)[0]).isBetween(2.0, 100.0);

    FlowSpec conv = Flows.sequential(Shape.of(6, 6, 2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzConvNet(16))).build();
    diagnostics.clear();
    error = roundTrip(conv, Shape.of(6, 6, 2), 16, diagnostics)[0];
    System.out.printf("conv block inverse: max error %.2e after %.0f iterations%n", error, diagnostics.get(0)[0]);
    assertThat(error).isLessThanOrEqualTo(1e-5);
  }

  @Test
  void nonConvergenceIsAnErrorNamingTheFix() {
    FlowSpec nearOne = Flows.sequential(Shape.of(6))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(64, 64).lipschitzCoeff(0.9999)
            .inverse(Inverse.fixedPoint().atol(1e-7).rtol(0).maxIterations(3)))).build();
    assertThatThrownBy(() -> roundTrip(nearOne, Shape.of(6), 64, new java.util.ArrayList<>()))
        .hasMessageContaining("residualBlock: the fixed-point inverse did not converge in 3 iterations "
            + "(atol 1.0E-7, rtol 0.0); last error bound:")
        .hasMessageContaining("The Lipschitz constant of the block is too close to 1: lower lipschitzCoeff or "
            + "raise maxIterations.");
  }

  /**
   * The tolerance bounds the error, not the step. A 1-D block {@code g(x) = w₂·tanh(w₁x + b₁) + b₂} with both
   * weights scaled up to the bound 0.98, on small inputs where tanh is nearly linear, has {@code |g'| ≈ 0.96}: the
   * iteration contracts as slowly as the constraint allows, the worst case for a step-based stop. In float64, so
   * round-off plays no part, every example's error is at most atol (rtol 0), for two tolerances.
   */
  @Test
  void atolBoundsTheErrorOfEveryExampleOnAContractiveBlock() {
    for (double atol : new double[] {1e-3, 1e-6}) {
      FlowSpec spec = Flows.sequential(Shape.of(1))
          .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(1).activation(Activation.TANH).lipschitzCoeff(0.98)
              .inverse(Inverse.fixedPoint().atol(atol).rtol(0).maxIterations(2000)))).build();
      int n = 256;
      try (Graph graph = new Graph()) {
        Ops tf = Ops.create(graph);
        CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 9);
        @SuppressWarnings("unchecked")
        ResidualLayer<TFloat64> layer = (ResidualLayer<TFloat64>) flow.layers().get(0);
        Placeholder<TFloat64> x = tf.placeholder(TFloat64.class);
        Operand<TFloat64> y = layer.forwardAndLogDet(tf, x, org.flows4j.tf.PassContext.training()).value();
        ResidualLayer.FixedPointResult<TFloat64> solved = layer.solve(tf, y);
        try (Session session = new Session(graph)) {
          session.initialize();
          List<org.tensorflow.op.Op> grow = new java.util.ArrayList<>();
          // Weights far past the bound, so spectral normalisation holds each at 0.98 in size, and of opposite
          // signs, so g'(0) = −0.98²: the iteration x ← y − g(x) then has slope +0.96 and creeps monotonically to
          // its fixed point, the case where the last step understates the error most (with g' > 0 it alternates,
          // and the step overstates it). Biases at zero, so tanh works at its steepest. The branch's last layer
          // starts near zero, as the official code's, so scaling alone would not do.
          List<Variable<TFloat64>> weights = flow.trainableVariables().stream()
              .filter(v -> !v.op().name().contains("bias")).toList();
          for (Variable<TFloat64> v : flow.trainableVariables()) {
            double sign = v == weights.get(weights.size() - 1) ? -1.0 : 1.0;
            grow.add(v.op().name().contains("bias") ? tf.assign(v, tf.zerosLike(v))
                : tf.assign(v, tf.math.mul(tf.constant(sign),
                    tf.math.add(tf.math.mul(tf.math.abs(v), tf.constant(4.0)), tf.constant(2.0)))));
          }
          session.run(tf.withControlDependencies(grow).noOp());
          session.run(flow.normalizationUpdate(tf, true));
          SplittableRandom random = new SplittableRandom(3);
          double[] values = new double[n];
          for (int i = 0; i < values.length; i++) {
            values[i] = 0.05 * random.nextGaussian();
          }
          try (TFloat64 input = HostTensors.of(TFloat64.class, values, n, 1);
              Result result = session.runner().feed(x, input).fetch(solved.x()).fetch(solved.iterations())
                  .fetch(solved.change()).run()) {
            double[] recovered = HostTensors.toDoubles(result.get(0));
            double worst = 0;
            for (int e = 0; e < n; e++) {
              worst = Math.max(worst, Math.abs(recovered[e] - values[e]));
            }
            double bound = HostTensors.toDoubles(result.get(2))[0];
            System.out.printf("coeff 0.98, atol %.0e: largest error %.2e, bound %.2e, after %.0f iterations%n",
                atol, worst, bound, HostTensors.toDoubles(result.get(1))[0]);
            assertThat(worst).isLessThanOrEqualTo(bound).isLessThanOrEqualTo(atol);
            // The last step understates the error many times over: stopping on the step would not bound it.
            double lastStep = bound * (1 - 0.98) / 0.98;
            assertThat(worst).isGreaterThan(10 * lastStep);
          }
        }
      }
    }
  }
}
