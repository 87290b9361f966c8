package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.step.Mask;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/**
 * Flow++'s {@code q(u | x)} in float64 on 2×2×2 images: the density it reports is the change of variables of the
 * map it applies, checked against the brute-force Jacobian of {@code ε ↦ u}; the noise lies in the bins; every
 * variable of the dequantizer gets a gradient from the ELBO.
 */
class VariationalDequantizerTest {
  private static final Shape IMAGE = Shape.of(2, 2, 2);
  private static final int D = IMAGE.size();
  private static final int BATCH = FlowChecks.BATCH;
  /** Conditioners that do not start at zero, so every coupling is far from the identity. */
  private static final ConvNetConditioner NET = new ConvNetConditioner(8, 3, Activation.RELU, false);

  private static FlowSpec spec() {
    FlowSpec noise = Flows.sequential(IMAGE)
        .steps(1, s -> s.actNorm()
            .affineCoupling(Mask.CHECKERBOARD, NET)
            .invertibleConv1x1(org.flows4j.api.step.Conv1x1.LU_DECOMPOSED)
            .mixtureLogisticsCoupling(Mask.CHANNELS, NET, 3)
            .additiveCoupling(Mask.CHECKERBOARD_FLIPPED, NET))
        .build();
    return Flows.sequential(IMAGE)
        .dequantize(Dequantization.variational(256, noise, NET, 3))
        .logit(0.05)
        .steps(1, s -> s.actNorm().affineCoupling(Mask.CHECKERBOARD, NET))
        .build();
  }

  private static double[] randomValues(long seed, int n, double low, double high) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = low + (high - low) * random.nextDouble();
    }
    return values;
  }

  /** Whole pixel values in [0, 256), one batch. */
  private static double[] randomBins(long seed) {
    double[] values = randomValues(seed, BATCH * D, 0, 256);
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.floor(values[i]);
    }
    return values;
  }

  @Test
  void logDensityIsTheChangeOfVariablesOfTheNoiseMap() {
    try (GraphFixture g = new GraphFixture()) {
      Ops tf = g.tf;
      LikelihoodModel<TFloat64> model = FlowCompiler.compileModel(tf, spec(), TFloat64.class, 5);
      CompiledFlow<TFloat64> flow = model.flow();
      VariationalDequantizer<TFloat64> dequantizer = model.dequantizer().orElseThrow();
      Placeholder<TFloat64> pixels = FlowChecks.input(g, IMAGE);
      Placeholder<TFloat64> epsilon = FlowChecks.input(g, IMAGE);
      Operand<TFloat64> bins = tf.math.floor(pixels);
      // ActNorm's data-dependent initialisation first, so its scale and shift are not the identity.
      var init = model.dataInitialization(tf, pixels, tf.constant(new long[] {3, 4}));
      Transformed<TFloat64> noise = dequantizer.transform(tf, bins, epsilon, FlowMode.EVALUATION);
      Operand<TFloat64> uFlat = tf.reshape(noise.value(), tf.constant(new int[] {BATCH, D}));
      List<Operand<TFloat64>> rows = BruteForceJacobian.rows(tf, uFlat, epsilon, BATCH, D);

      double[] pixelValues = randomBins(1);
      double[] epsilonValues = randomValues(2, BATCH * D, -2.5, 2.5);
      try (TFloat64 p = HostTensors.of(TFloat64.class, pixelValues, BATCH, 2, 2, 2);
          TFloat64 e = HostTensors.of(TFloat64.class, epsilonValues, BATCH, 2, 2, 2)) {
        g.run(init, Map.of(pixels, p));
        List<Operand<?>> fetches = new ArrayList<>(List.of(uFlat, noise.logDet()));
        fetches.addAll(rows);
        List<double[]> values = g.fetch(fetches, Map.<Operand<?>, Tensor>of(pixels, p, epsilon, e));
        double[] u = values.get(0);
        double[] logQ = values.get(1);
        double[] logAbsDet = BruteForceJacobian.logAbsDets(values.subList(2, 2 + D), BATCH, D);
        for (int b = 0; b < BATCH; b++) {
          double logNormal = 0;
          for (int i = 0; i < D; i++) {
            double x = epsilonValues[b * D + i];
            logNormal += -0.5 * x * x - 0.5 * Math.log(2 * Math.PI);
          }
          assertThat(logQ[b]).as("log q(u | x) of example %s", b)
              .isCloseTo(logNormal - logAbsDet[b], org.assertj.core.data.Offset.offset(1e-8));
        }
        for (double value : u) {
          assertThat(value).isStrictlyBetween(0.0, 1.0);
        }
      }
    }
  }

  @Test
  void everyDequantizerVariableLearnsFromTheBound() {
    try (GraphFixture g = new GraphFixture()) {
      Ops tf = g.tf;
      LikelihoodModel<TFloat64> model = FlowCompiler.compileModel(tf, spec(), TFloat64.class, 6);
      CompiledFlow<TFloat64> flow = model.flow();
      VariationalDequantizer<TFloat64> dequantizer = model.dequantizer().orElseThrow();
      Placeholder<TFloat64> pixels = FlowChecks.input(g, IMAGE);
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class);
      var init = model.dataInitialization(tf, pixels, seed);
      Operand<TFloat64> loss = tf.math.neg(tf.reduceSum(model.logProb(tf, pixels, seed), tf.constant(0)));
      List<Variable<TFloat64>> variables = dequantizer.variables();
      assertThat(model.trainableVariables()).containsAll(variables);
      assertThat(flow.trainableVariables()).doesNotContainAnyElementsOf(variables);
      List<Operand<?>> gradients = new ArrayList<>();
      tf.gradients(loss, variables).forEach(gradients::add);
      double[] rawPixels = randomValues(3, BATCH * D, 0, 256);
      try (TFloat64 p = HostTensors.of(TFloat64.class, rawPixels, BATCH, 2, 2, 2);
          TInt64 s = HostTensors.seed(9)) {
        g.run(init, Map.of(pixels, p, seed, s));
        List<double[]> values = g.fetch(gradients, Map.<Operand<?>, Tensor>of(pixels, p, seed, s));
        for (int i = 0; i < variables.size(); i++) {
          assertThat(FlowChecks.allFinite(values.get(i))).isTrue();
          assertThat(FlowChecks.maxAbs(values.get(i))).as("gradient of %s", variables.get(i).op().name())
              .isGreaterThan(0.0);
        }
      }
    }
  }

  @Test
  void sameSeedSameNoiseAndTheNoiseStaysInItsBin() {
    try (GraphFixture g = new GraphFixture()) {
      Ops tf = g.tf;
      LikelihoodModel<TFloat64> model = FlowCompiler.compileModel(tf, spec(), TFloat64.class, 7);
      CompiledFlow<TFloat64> flow = model.flow();
      VariationalDequantizer<TFloat64> dequantizer = model.dequantizer().orElseThrow();
      Placeholder<TFloat64> bins = FlowChecks.input(g, IMAGE);
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class);
      Operand<TFloat64> u = dequantizer.sample(tf, bins, seed, FlowMode.TRAINING).value();
      double[] binValues = randomBins(4);
      try (TFloat64 b = HostTensors.of(TFloat64.class, binValues, BATCH, 2, 2, 2);
          TInt64 s1 = HostTensors.seed(1);
          TInt64 s2 = HostTensors.seed(2)) {
        double[] first = g.fetch(List.of(u), Map.of(bins, b, seed, s1)).get(0);
        double[] again = g.fetch(List.of(u), Map.of(bins, b, seed, s1)).get(0);
        double[] other = g.fetch(List.of(u), Map.of(bins, b, seed, s2)).get(0);
        assertThat(again).containsExactly(first);
        assertThat(FlowChecks.maxAbsDiff(first, other)).isGreaterThan(0.05);
        for (double value : first) {
          assertThat(value).isStrictlyBetween(0.0, 1.0);
        }
      }
    }
  }

  /**
   * In a class-conditional flow the dequantizer is {@code q(u | x, c)}: for the same pixels and noise, two classes
   * give different noise (the embedding is random and these conditioners do not start at zero; measured max
   * |Δu| is printed), and for each class the density it reports is still the change of variables of its map,
   * within 1e-8 of the brute-force Jacobian. The ELBO's gradient reaches the class embedding through it.
   */
  @Test
  void inAConditionalFlowTheNoiseDependsOnTheContextAndStaysAnExactDensity() {
    FlowSpec conditional = spec().withContext(org.flows4j.api.context.Contexts.classes(3).embedding(4));
    try (GraphFixture g = new GraphFixture()) {
      Ops tf = g.tf;
      LikelihoodModel<TFloat64> model = FlowCompiler.compileModel(tf, conditional, TFloat64.class, 7);
      VariationalDequantizer<TFloat64> dequantizer = model.dequantizer().orElseThrow();
      Placeholder<TFloat64> pixels = FlowChecks.input(g, IMAGE);
      Placeholder<TFloat64> epsilon = FlowChecks.input(g, IMAGE);
      Placeholder<TFloat64> classes = tf.placeholder(TFloat64.class,
          Placeholder.shape(org.tensorflow.ndarray.Shape.of(BATCH, 1)));
      Operand<TFloat64> bins = tf.math.floor(pixels);
      var init = model.dataInitialization(tf, pixels, classes, tf.constant(new long[] {3, 4}));
      Operand<TFloat64> embedded = model.flow().withContext(tf, classes, PassContext.evaluation()).condition();
      Transformed<TFloat64> noise = dequantizer.transform(tf, bins, epsilon, FlowMode.EVALUATION, embedded);
      Operand<TFloat64> uFlat = tf.reshape(noise.value(), tf.constant(new int[] {BATCH, D}));
      List<Operand<TFloat64>> rows = BruteForceJacobian.rows(tf, uFlat, epsilon, BATCH, D);
      Operand<TFloat64> elbo = tf.reduceSum(model.logProb(tf, pixels, classes, tf.constant(new long[] {5, 6}),
          FlowMode.TRAINING), tf.constant(0));
      Variable<TFloat64> embedding = model.flow().auxiliaryVariableGroups().get("context embedding").get(0);
      Operand<TFloat64> embeddingGradient = tf.gradients(List.of(noise.logDet()), List.of(embedding)).dy(0);

      double[] pixelValues = randomBins(11);
      double[] epsilonValues = randomValues(12, BATCH * D, -2.5, 2.5);
      double[] zeros = new double[BATCH];
      double[] ones = new double[BATCH];
      java.util.Arrays.fill(ones, 1.0);
      double[][] u = new double[2][];
      try (TFloat64 p = HostTensors.of(TFloat64.class, pixelValues, BATCH, 2, 2, 2);
          TFloat64 e = HostTensors.of(TFloat64.class, epsilonValues, BATCH, 2, 2, 2)) {
        try (TFloat64 c = HostTensors.of(TFloat64.class, zeros, BATCH, 1)) {
          g.run(init, Map.of(pixels, p, classes, c));
        }
        for (int k = 0; k < 2; k++) {
          try (TFloat64 c = HostTensors.of(TFloat64.class, k == 0 ? zeros : ones, BATCH, 1)) {
            List<Operand<?>> fetches = new ArrayList<>(List.of(uFlat, noise.logDet(), elbo, embeddingGradient));
            fetches.addAll(rows);
            List<double[]> values = g.fetch(fetches,
                Map.<Operand<?>, Tensor>of(pixels, p, epsilon, e, classes, c));
            u[k] = values.get(0);
            double[] logQ = values.get(1);
            assertThat(values.get(2)[0]).isFinite();
            assertThat(FlowChecks.maxAbs(values.get(3))).as("d log q / d embedding").isGreaterThan(0.0);
            double[] logAbsDet = BruteForceJacobian.logAbsDets(values.subList(4, 4 + D), BATCH, D);
            for (int b = 0; b < BATCH; b++) {
              double logNormal = 0;
              for (int i = 0; i < D; i++) {
                double x = epsilonValues[b * D + i];
                logNormal += -0.5 * x * x - 0.5 * Math.log(2 * Math.PI);
              }
              assertThat(logQ[b]).as("log q(u | x, c=%s) of example %s", k, b)
                  .isCloseTo(logNormal - logAbsDet[b], org.assertj.core.data.Offset.offset(1e-8));
            }
          }
        }
      }
      double difference = 0;
      for (int i = 0; i < u[0].length; i++) {
        difference = Math.max(difference, Math.abs(u[0][i] - u[1][i]));
      }
      System.out.printf("q(u | x, c): max |u(c=0) - u(c=1)| = %.3e%n", difference);
      assertThat(difference).as("the noise depends on the class").isGreaterThan(1e-3);
    }
  }
}
