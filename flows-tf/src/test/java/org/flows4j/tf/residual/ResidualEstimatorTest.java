package org.flows4j.tf.residual;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.gradients.SafeGradients;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * The estimators' statistics on a small random block (dimension 4, coeff 0.9, float64): the Russian roulette is
 * unbiased for the exact log-det, and the Neumann gradient is unbiased for the exact gradient, each within 3
 * standard errors of the mean.
 */
class ResidualEstimatorTest {
  private static final int DIMENSION = 4;
  private static final double[] POINT = {0.3, -1.1, 0.7, 0.2};

  /** A compiled single-block flow, weights moved off their initial values, spectral norms converged. */
  private static final class Block implements AutoCloseable {
    final Graph graph = new Graph();
    final Ops tf = Ops.create(graph);
    final CompiledFlow<TFloat64> flow;
    final ResidualLayer<TFloat64> layer;
    final Session session;

    Block(LogDetEstimator estimator) {
      FlowSpec spec = Flows.sequential(Shape.of(DIMENSION))
          .steps(1, step -> step.residualBlock(b -> b.lipschitzMlp(32).lipschitzCoeff(0.9).logDet(estimator)
              .evaluationLogDet(LogDet.exact())))
          .build();
      flow = FlowCompiler.compileFloat64(tf, spec, 21);
      @SuppressWarnings("unchecked")
      ResidualLayer<TFloat64> residual = (ResidualLayer<TFloat64>) flow.layers().get(0);
      layer = residual;
      session = new Session(graph);
      session.initialize();
      List<org.tensorflow.op.Op> assigns = new ArrayList<>();
      List<Variable<TFloat64>> variables = flow.trainableVariables();
      for (int i = 0; i < variables.size(); i++) {
        Variable<TFloat64> v = variables.get(i);
        Operand<TFloat64> noise = tf.random.statelessRandomNormal(tf.shape(v), tf.constant(new long[] {4, i}),
            TFloat64.class);
        assigns.add(tf.assign(v, tf.math.add(v, tf.math.mul(noise, tf.constant(2.0)))));
      }
      session.run(tf.withControlDependencies(assigns).noOp());
      // W₂ = W₁ᵀ makes J = W₁ᵀ D W₁ positive semi-definite: a block whose log-det is far from zero, so the
      // statistics below have something to measure (random blocks have tr J ≈ 0).
      session.run(tf.assign(variables.get(2), tf.linalg.transpose(variables.get(0), tf.constant(new int[] {1, 0}))));
      session.run(flow.normalizationUpdate(tf, true));
    }

    TFloat64 repeatedPoint(int n) {
      double[] values = new double[n * DIMENSION];
      for (int i = 0; i < n; i++) {
        System.arraycopy(POINT, 0, values, i * DIMENSION, DIMENSION);
      }
      return HostTensors.of(TFloat64.class, values, n, DIMENSION);
    }

    List<double[]> fetch(List<Operand<?>> fetches, Map<Operand<?>, Tensor> feeds) {
      Session.Runner runner = session.runner();
      feeds.forEach(runner::feed);
      fetches.forEach(runner::fetch);
      List<double[]> values = new ArrayList<>();
      try (Result result = runner.run()) {
        for (int i = 0; i < fetches.size(); i++) {
          values.add(HostTensors.toDoubles(result.get(i)));
        }
      }
      return values;
    }

    @Override
    public void close() {
      session.close();
      graph.close();
    }
  }

  private static double exactLogDet(Block block, Placeholder<TFloat64> x) {
    try (TFloat64 point = block.repeatedPoint(1)) {
      return block.fetch(List.of(block.layer.logDet(block.tf, x, LogDet.exact())), Map.of(x, point)).get(0)[0];
    }
  }

  /** Mean, standard error and the exact value, from 20000 draws of {@code estimator} at one point. */
  private record Statistics(double exact, double mean, double standardError) {
    double standardErrorsOff() {
      return Math.abs(mean - exact) / standardError;
    }
  }

  private static void assertUnbiased(LogDetEstimator estimator) {
    Statistics statistics = statistics(estimator);
    assertThat(Math.abs(statistics.exact())).as("a non-trivial block").isGreaterThan(0.3);
    assertThat(statistics.standardErrorsOff()).isLessThanOrEqualTo(3.0);
  }

  @Test
  void theTestDetectsABiasedEstimator() {
    // The one-term series is just Hutchinson's trace: it misses -tr(J²)/2 + …, which the same test must catch.
    assertThat(statistics(LogDet.truncatedSeries(1).neumannGradient()).standardErrorsOff()).isGreaterThan(10.0);
  }

  private static Statistics statistics(LogDetEstimator estimator) {
    try (Block block = new Block(estimator)) {
      Placeholder<TFloat64> x = block.tf.placeholder(TFloat64.class);
      double exact = exactLogDet(block, x);
      // N is drawn once per batch, so the independent draws are batches: 400 runs of 50 probes each.
      int runs = 400;
      int batch = 50;
      int n = runs * batch;
      Operand<TFloat64> estimate = block.tf.math.mean(block.layer.logDet(block.tf, x, estimator),
          block.tf.constant(0));
      double[] draws = new double[runs];
      try (TFloat64 points = block.repeatedPoint(batch)) {
        for (int run = 0; run < runs; run++) {
          try (TInt64 seed = HostTensors.seed(31 * run + 7)) {
            draws[run] = block.fetch(List.of(estimate), Map.of(x, points, block.flow.randomSeed(), seed)).get(0)[0];
          }
        }
      }
      double mean = 0;
      for (double d : draws) {
        mean += d / runs;
      }
      double variance = 0;
      for (double d : draws) {
        variance += (d - mean) * (d - mean) / (runs - 1);
      }
      double standardError = Math.sqrt(variance / runs);
      System.out.printf("%s: exact %.6f, mean of %d draws %.6f, standard error %.6f (%.2f SE)%n", estimator,
          exact, n, mean, standardError, Math.abs(mean - exact) / standardError);
      return new Statistics(exact, mean, standardError);
    }
  }

  @Test
  void geometricRussianRouletteIsUnbiased() {
    assertUnbiased(LogDet.russianRoulette(0.5));
  }

  @Test
  void poissonRussianRouletteIsUnbiased() {
    assertUnbiased(LogDet.russianRoulettePoisson(2.0).exactTerms(1));
  }

  @Test
  void neumannGradientIsUnbiasedForTheExactGradient() {
    LogDetEstimator estimator = LogDet.russianRoulette(0.5);
    try (Block block = new Block(estimator)) {
      Placeholder<TFloat64> x = block.tf.placeholder(TFloat64.class);
      List<Variable<TFloat64>> variables = block.flow.trainableVariables();
      List<Operand<?>> xs = new ArrayList<>(variables);
      xs.add(x);
      Operand<TFloat64> exact = block.tf.math.mean(block.layer.logDet(block.tf, x, LogDet.exact()),
          block.tf.constant(0));
      Operand<TFloat64> estimate = block.tf.math.mean(block.layer.logDet(block.tf, x, estimator),
          block.tf.constant(0));
      // The output bias does not move the Jacobian: its gradient is zero (no path), hence gradientsOrZeros.
      List<Operand<?>> exactGradients = SafeGradients.gradientsOrZeros(block.tf, exact, xs);
      List<Operand<?>> estimatedGradients = SafeGradients.gradientsOrZeros(block.tf, estimate, xs);

      // Two fixed random projections of the full gradient (weights, biases, slopes and the input).
      SplittableRandom random = new SplittableRandom(5);
      List<double[]> exactValues;
      try (TFloat64 point = block.repeatedPoint(64)) {
        exactValues = block.fetch(exactGradients, Map.of(x, point));
      }
      List<List<double[]>> directions = new ArrayList<>();
      for (int p = 0; p < 2; p++) {
        List<double[]> direction = new ArrayList<>();
        for (double[] g : exactValues) {
          double[] r = new double[g.length];
          for (int i = 0; i < r.length; i++) {
            r[i] = random.nextGaussian();
          }
          direction.add(r);
        }
        directions.add(direction);
      }
      int runs = 300;
      double[][] projections = new double[2][runs];
      for (int run = 0; run < runs; run++) {
        try (TFloat64 points = block.repeatedPoint(64); TInt64 seed = HostTensors.seed(1000 + run)) {
          List<double[]> values = block.fetch(estimatedGradients,
              Map.of(x, points, block.flow.randomSeed(), seed));
          for (int p = 0; p < 2; p++) {
            projections[p][run] = project(values, directions.get(p));
          }
        }
      }
      for (int p = 0; p < 2; p++) {
        double target = project(exactValues, directions.get(p));
        double mean = 0;
        for (double v : projections[p]) {
          mean += v / runs;
        }
        double variance = 0;
        for (double v : projections[p]) {
          variance += (v - mean) * (v - mean) / (runs - 1);
        }
        double standardError = Math.sqrt(variance / runs);
        System.out.printf("Neumann gradient, projection %d: exact %.6f, mean %.6f, standard error %.6f (%.2f SE)%n",
            p, target, mean, standardError, Math.abs(mean - target) / standardError);
        assertThat(Math.abs(target)).isGreaterThan(10 * standardError);
        assertThat(Math.abs(mean - target)).isLessThanOrEqualTo(3 * standardError);
      }
    }
  }

  private static double project(List<double[]> gradients, List<double[]> direction) {
    double sum = 0;
    for (int i = 0; i < gradients.size(); i++) {
      double[] g = gradients.get(i);
      double[] r = direction.get(i);
      for (int j = 0; j < g.length; j++) {
        sum += g[j] * r[j];
      }
    }
    return sum;
  }
}
