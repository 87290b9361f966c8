package org.flows4j.tf.residual;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.gradients.SafeGradients;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * Learned orders of induced mixed norms, the official {@code --learn-p}: the squash from raw to order, the
 * gradient of the orders' objective against finite differences, the operator-norm bound at learned (non-2) orders
 * checked by optimisation, and the trainer feeding that gradient, and only it, to the orders.
 */
class LearnedOrdersTest {
  private static final double COEFF = 0.9;
  /** Raw orders as training might leave them: orders of about 3.0, 1.46 and 3.5, so every map is p → q, p ≠ q. */
  private static final double[] RAW = {0.6, -0.5, 0.8};

  private static SpectralNormalization learned() {
    return new SpectralNormalization(COEFF, 1e-6, 200).withLearnedOrders();
  }

  private static FlowSpec spec(boolean convolution) {
    return convolution
        ? Flows.sequential(Shape.of(3, 3, 2))
            .steps(1, s -> s.residualBlock(b -> b.lipschitzConvNet(3).spectralNormalization(learned()))).build()
        : Flows.sequential(Shape.of(5))
            .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(16, 12).spectralNormalization(learned()))).build();
  }

  /**
   * The official {@code asym_squash}: raw 0 (the initialisation) gives order 2 to 1e-7, the range is (1, 5), and
   * the graph's op equals the host formula in float64.
   */
  @Test
  void ordersStartAtTwoAndFollowTheOfficialSquash() {
    // The official constant is atanh(0.5) rounded to float32, so the start is 2 to 6e-8.
    assertThat(LearnedOrders.order(0)).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-7));
    assertThat(LearnedOrders.order(40)).isBetween(4.999, 5.0);
    assertThat(LearnedOrders.order(-40)).isBetween(1.0, 1.001);
    double[] raws = {-3, -0.5, 0, 0.3, 0.5493061829986572, 2, 6};
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      Operand<TFloat64> orders = LearnedOrders.order(tf, tf.constant(raws));
      try (Result result = session.runner().fetch(orders).run()) {
        double[] values = HostTensors.toDoubles(result.get(0));
        for (int i = 0; i < raws.length; i++) {
          assertThat(values[i]).as("order at raw %s", raws[i])
              .isCloseTo(LearnedOrders.order(raws[i]), org.assertj.core.data.Offset.offset(1e-14));
          assertThat(values[i]).isStrictlyBetween(1.0, 5.0);
        }
      }
    }
  }

  /**
   * The gradient of the orders' objective (the mean one-step norm estimate of the block's maps, the official
   * {@code compute_p_grads}) with respect to each raw order equals central finite differences (h = 1e-5) to 1e-6
   * relative, in float64, for MLP and conv branches, after the weights grew 5× and a thorough refresh. The
   * likelihood reaches no raw order (its gradient is zero), as in the official code, where the orders enter the
   * power iteration only, under {@code no_grad}.
   */
  @ParameterizedTest(name = "conv branch {0}")
  @ValueSource(booleans = {false, true})
  void theOrdersGradientMatchesFiniteDifferences(boolean convolution) {
    FlowSpec spec = spec(convolution);
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 3);
      @SuppressWarnings("unchecked")
      ResidualLayer<TFloat64> layer = (ResidualLayer<TFloat64>) flow.layers().get(0);
      List<Variable<TFloat64>> raw = layer.learnedOrderVariables();
      assertThat(raw).hasSize(3);
      assertThat(flow.trainableVariables()).containsAll(raw);
      Operand<TFloat64> objective = tf.math.mean(tf.stack(layer.learnedOrderObjectiveTerms(tf)), tf.constant(0));
      List<Operand<?>> analytic = SafeGradients.gradientsOrZeros(tf, objective, raw);
      Operand<TFloat64> x = tf.random.statelessRandomNormal(tf.constant(
          convolution ? new long[] {4, 3, 3, 2} : new long[] {4, 5}), tf.constant(new long[] {1, 2}), TFloat64.class);
      Operand<TFloat64> logProb = tf.reduceSum(flow.logProb(tf, x), tf.constant(0));
      List<Operand<?>> likelihood = SafeGradients.gradientsOrZeros(tf, logProb, raw);
      session.initialize();
      LipschitzConstraintTest.grow(tf, session, layer.variables().subList(0, layer.variables().size() - 3),
          !convolution);
      setRaw(tf, session, raw, RAW);
      session.run(flow.normalizationUpdate(tf, true));
      double[] gradient = fetch(session, analytic);
      double[] fromLikelihood = fetch(session, likelihood);
      double h = 1e-5;
      for (int i = 0; i < raw.size(); i++) {
        double[] plus = RAW.clone();
        plus[i] += h;
        double[] minus = RAW.clone();
        minus[i] -= h;
        setRaw(tf, session, raw, plus);
        double up = fetch(session, List.of(objective))[0];
        setRaw(tf, session, raw, minus);
        double down = fetch(session, List.of(objective))[0];
        setRaw(tf, session, raw, RAW);
        double numeric = (up - down) / (2 * h);
        System.out.printf("%s branch, raw order %d: objective gradient %.10f, finite difference %.10f%n",
            convolution ? "conv" : "MLP", i, gradient[i], numeric);
        assertThat(Math.abs(numeric)).as("raw order %s moves the objective", i).isGreaterThan(1e-4);
        assertThat(Math.abs(gradient[i] - numeric)).as("raw order %s", i)
            .isLessThanOrEqualTo(1e-6 * Math.abs(numeric));
        assertThat(fromLikelihood[i]).as("likelihood gradient of raw order %s", i).isEqualTo(0.0);
      }
    }
  }

  /**
   * At learned orders away from 2 (raw {@link #RAW}, orders ≈ 3.0, 1.46, 3.5, chained cyclically), every
   * normalised map satisfies {@code ‖W̃x‖_q ≤ coeff·‖x‖_p} for its learned p → q: gradient ascent on
   * {@code log ‖Mx‖_q − log ‖x‖_p} from 60 random starts, 400 steps each (as {@link LipschitzConstraintTest}),
   * stays within coeff·(1 + 1e-3) and reaches coeff·(1 − 2e-2) (the scale is not loose). Convolutions are
   * materialised at the input size.
   */
  @ParameterizedTest(name = "conv branch {0}")
  @ValueSource(booleans = {false, true})
  void theBoundHoldsAtLearnedOrdersByOptimisation(boolean convolution) {
    FlowSpec spec = spec(convolution);
    List<double[][]> matrices = new ArrayList<>();
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 3);
      @SuppressWarnings("unchecked")
      ResidualLayer<TFloat64> layer = (ResidualLayer<TFloat64>) flow.layers().get(0);
      List<Operand<TFloat64>> operators = new ArrayList<>();
      for (Operand<TFloat64> w : layer.normalizedWeights(tf)) {
        operators.add(convolution
            ? LipschitzConstraintTest.convolutionMatrix(tf, w, spec.inputShape(), (int) w.shape().get(2)) : w);
      }
      session.initialize();
      List<Variable<TFloat64>> raw = layer.learnedOrderVariables();
      LipschitzConstraintTest.grow(tf, session, layer.variables().subList(0, layer.variables().size() - 3),
          !convolution);
      setRaw(tf, session, raw, RAW);
      session.run(flow.normalizationUpdate(tf, true));
      Session.Runner runner = session.runner();
      operators.forEach(runner::fetch);
      try (Result result = runner.run()) {
        for (int i = 0; i < operators.size(); i++) {
          double[] flat = HostTensors.toDoubles(result.get(i));
          int rows = (int) result.get(i).shape().get(0);
          int cols = flat.length / rows;
          double[][] m = new double[rows][cols];
          for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, m[r], 0, cols);
          }
          matrices.add(m);
        }
      }
    }
    assertThat(matrices).hasSize(3);
    for (int i = 0; i < 3; i++) {
      double p = LearnedOrders.order(RAW[i]);
      double q = LearnedOrders.order(RAW[(i + 1) % 3]);
      double best = LipschitzConstraintTest.maximiseRatio(matrices.get(i), p, q, 60, 400, 41 + i);
      System.out.printf("%s map %d, learned orders %.4f -> %.4f: max ratio by optimisation %.6f (coeff %s)%n",
          convolution ? "conv" : "MLP", i, p, q, best, COEFF);
      assertThat(best).as("map %s", i).isBetween(COEFF * (1 - 2e-2), COEFF * (1 + 1e-3));
    }
  }

  /**
   * The trainer gives the raw orders their objective's gradient (added after clipping, here a clip far below the
   * gradients' norm): after one Adam step of learning rate 0.01 from raw 0, each raw order moved by the first
   * Adam step's size, lr·|g|/(|g| + 1e-8) ≈ 0.01, against the sign of its objective gradient at the start (taken
   * from a separate graph of the same flow and seed, with the trainer's start-up refresh).
   */
  @Test
  void theTrainerStepsTheOrdersAgainstTheirObjectiveGradient() {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(8, 8).spectralNormalization(learned()))).build();
    double[] startGradient;
    // Where each raw order sits in Trainer.weights(): the flow's variables flattened in order.
    int[] offsets = new int[3];
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat32> flow = FlowCompiler.compile(tf, spec, 5);
      @SuppressWarnings("unchecked")
      ResidualLayer<TFloat32> layer = (ResidualLayer<TFloat32>) flow.layers().get(0);
      int offset = 0;
      for (Variable<TFloat32> variable : flow.trainableVariables()) {
        int index = layer.learnedOrderVariables().indexOf(variable);
        if (index >= 0) {
          offsets[index] = offset;
        }
        offset += (int) variable.shape().size();
      }
      Operand<TFloat32> objective = tf.math.mean(tf.stack(layer.learnedOrderObjectiveTerms(tf)), tf.constant(0));
      List<Operand<?>> gradient = SafeGradients.gradientsOrZeros(tf, objective, layer.learnedOrderVariables());
      session.initialize();
      session.run(flow.normalizationUpdate(tf, true));
      startGradient = fetch(session, gradient);
    }
    double learningRate = 0.01;
    TrainingOptions options = TrainingOptions.builder().learningRate(learningRate).seed(5).clipNorm(1e-3).build();
    try (Trainer trainer = Trainer.create(spec, options)) {
      float[] before = trainer.weights();
      float[] batch = new float[64];
      java.util.SplittableRandom random = new java.util.SplittableRandom(9);
      for (int i = 0; i < batch.length; i++) {
        batch[i] = (float) random.nextGaussian();
      }
      trainer.step(batch, 32);
      float[] after = trainer.weights();
      for (int i = 0; i < offsets.length; i++) {
        int index = offsets[i];
        assertThat(before[index]).isEqualTo(0f);
        double expected = -Math.signum(startGradient[i]) * learningRate * Math.abs(startGradient[i])
            / (Math.abs(startGradient[i]) + 1e-8);
        System.out.printf("raw order %d after one step: %.8f (objective gradient at start %.6f)%n", i,
            after[index], startGradient[i]);
        assertThat(Math.abs(startGradient[i])).isGreaterThan(1e-4);
        assertThat((double) after[index]).as("raw order %s", i)
            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-6));
      }
    }
  }

  private static <T extends TFloating> void setRaw(Ops tf, Session session, List<Variable<T>> raw, double[] values) {
    List<Op> assigns = new ArrayList<>();
    for (int i = 0; i < raw.size(); i++) {
      assigns.add(tf.assign(raw.get(i), tf.dtypes.cast(tf.constant(values[i]), raw.get(i).type())));
    }
    session.run(tf.withControlDependencies(assigns).noOp());
  }

  private static double[] fetch(Session session, List<? extends Operand<?>> operands) {
    Session.Runner runner = session.runner();
    operands.forEach(runner::fetch);
    double[] values = new double[operands.size()];
    try (Result result = runner.run()) {
      for (int i = 0; i < values.length; i++) {
        values[i] = HostTensors.toDouble(result.get(i));
      }
    }
    return values;
  }
}
