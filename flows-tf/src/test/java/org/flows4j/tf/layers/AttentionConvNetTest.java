package org.flows4j.tf.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.conditioner.ConvWeights;
import org.flows4j.api.step.Mask;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowChecks;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.GraphFixture;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.PassContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat64;

/** Flow++'s conditioner: data-dependent weight-norm initialisation and dropout, in float64. */
class AttentionConvNetTest {
  static final Shape SHAPE = Shape.of(4, 4, 2);
  static final int IN_CHANNELS = 2;
  static final int OUT_CHANNELS = 4;
  static final int BLOCKS = 2;
  /** Mean and spread per channel after data init, on the init batch: exact up to rounding and the 1e-8 in σ. */
  static final double MEAN_TOLERANCE = 1e-9;
  static final double RELATIVE_STD_TOLERANCE = 1e-6;
  /**
   * Plain kernels start at N(0, 0.05²), so a channel of a convolution's output can have a variance near 1e-4 before
   * init (4e-4 was seen), where the 1e-8 added to it (as the official code adds) moves the spread by
   * {@code 1 − √(v/(v + 1e-8))} ≈ 5e-5 relative; a wrong initialisation misses by orders of magnitude more.
   */
  static final double PLAIN_RELATIVE_STD_TOLERANCE = 1e-4;

  /**
   * After the init pass each data-initialised convolution's output, computed again with the stored gains and
   * biases on the same batch, has per-channel mean 0 and deviation initScale. Convolutions initialise in forward
   * order on their inputs computed with the fresh values before them, otherwise the later ones would be off. With
   * dropout the init pass is a training pass (as in the paper's code), so the check repeats it with the same seed.
   */
  @ParameterizedTest(name = "dropout {0}, zero-initialised last layer {1}, {2} weights, condition {3}")
  @CsvSource({"0.0, true, PLAIN, false", "0.0, false, PLAIN, false", "0.2, true, PLAIN, false",
      "0.0, false, PLAIN, true", "0.0, false, WEIGHT_NORMALIZED, false", "0.2, true, WEIGHT_NORMALIZED, true"})
  void dataInitNormalisesEveryConvolutionOnTheInitBatch(double dropout, boolean zeroInitLast, ConvWeights weights,
      boolean conditioned) {
    AttentionConvNetConditioner spec =
        Conditioners.flowPlusPlus(8).blocks(BLOCKS).heads(2).dropout(dropout).zeroInitLast(zeroInitLast).weights(weights);
    try (GraphFixture g = new GraphFixture()) {
      Parameters<TFloat64> parameters = new Parameters<>(TFloat64.class, 7);
      parameters.createRandomSeed(g.tf);
      AttentionConvNet<TFloat64> net = new AttentionConvNet<>(g.tf, spec, SHAPE, IN_CHANNELS,
          conditioned ? CONDITION_CHANNELS : 0, OUT_CHANNELS, parameters);
      Placeholder<TFloat64> x = input(g, 8);
      Placeholder<TFloat64> condition = conditionInput(g, 8);
      List<Op> initOps = new ArrayList<>();
      net.apply(g.tf, x, conditioned(PassContext.<TFloat64>training().initializing(initOps), condition, conditioned));
      Op init = g.tf.withControlDependencies(initOps).noOp();
      AttentionConvNet.Probes<TFloat64> probes = AttentionConvNet.Probes.create();
      net.apply(g.tf, x, conditioned(PassContext.training(), condition, conditioned), probes);
      List<Variable<?>> flags = parameters.state();
      assertThat(flags).hasSize(1);
      Variable<?> flag = flags.get(0);
      assertThat(flag.op().name()).isEqualTo("initialized");

      Map<Operand<?>, Tensor> feeds = Map.of(x, batch(8, 3, 0.7, 2.0), condition, conditionBatch(8, 5));
      assertThat(g.fetch(flag, Map.of())).containsExactly(0.0);
      g.run(init, feeds);
      assertThat(g.fetch(flag, Map.of())).containsExactly(1.0);

      // Input conv, then per block: gated conv's 3×3 (and the condition's projection) and gate convs, attention's
      // input and output projections.
      int expected = 1 + (conditioned ? 5 : 4) * BLOCKS + (zeroInitLast ? 0 : 1);
      assertThat(probes.convOutputs()).hasSize(expected);
      List<Operand<?>> values = new ArrayList<>();
      probes.convOutputs().forEach(p -> values.add(p.value()));
      List<double[]> fetched = g.fetch(values, feeds);
      double worstMean = 0;
      double worstStd = 0;
      for (int i = 0; i < expected; i++) {
        AttentionConvNet.ConvOutput<TFloat64> probe = probes.convOutputs().get(i);
        int channels = (int) probe.value().shape().get(3);
        double[][] moments = channelMoments(fetched.get(i), channels);
        for (int c = 0; c < channels; c++) {
          double meanError = Math.abs(moments[0][c]);
          double stdError = Math.abs(moments[1][c] - probe.initScale()) / probe.initScale();
          assertThat(meanError).as("%s channel %s mean", probe.conv(), c).isLessThanOrEqualTo(MEAN_TOLERANCE);
          assertThat(stdError).as("%s channel %s relative std error", probe.conv(), c)
              .isLessThanOrEqualTo(weights == ConvWeights.PLAIN ? PLAIN_RELATIVE_STD_TOLERANCE
                  : RELATIVE_STD_TOLERANCE);
          worstMean = Math.max(worstMean, meanError);
          worstStd = Math.max(worstStd, stdError);
        }
      }
      System.out.printf("flow++ data init, dropout %s, zero-init last %s, %s, condition %s: %d convolutions, "
          + "max |mean| %.2e, max relative std error %.2e%n", dropout, zeroInitLast, weights, conditioned, expected,
          worstMean, worstStd);
      assertThat(probes.convOutputs().get(0).initScale()).isEqualTo(1.0);
      assertThat(probes.convOutputs().get(conditioned ? 3 : 2).initScale()).isEqualTo(0.1);
    }
  }

  /**
   * A weight-normalised convolution initialises from its direction V, never from its current gain, so the init pass
   * on the same batch gives the same weights again; on another batch it would not, which is why the trainer runs it
   * only while the flag is false. (Plain kernels are rescaled in place, as the official code does, so a second
   * pass moves them by the 1e-8 in σ: that is {@link #plainDataInitRescalesTheKernelInPlace}.)
   */
  @Test
  void dataInitIsIdempotentOnOneBatchAndDependsOnTheBatch() {
    try (GraphFixture g = new GraphFixture()) {
      Parameters<TFloat64> parameters = new Parameters<>(TFloat64.class, 7);
      parameters.createRandomSeed(g.tf);
      AttentionConvNet<TFloat64> net = new AttentionConvNet<>(
          g.tf, Conditioners.flowPlusPlus(8).blocks(1).heads(2).zeroInitLast(false).weights(ConvWeights.WEIGHT_NORMALIZED),
          SHAPE, IN_CHANNELS, 0, OUT_CHANNELS, parameters);
      Placeholder<TFloat64> x = input(g, 3);
      List<Op> initOps = new ArrayList<>();
      net.apply(g.tf, x, PassContext.<TFloat64>training().initializing(initOps));
      Op init = g.tf.withControlDependencies(initOps).noOp();
      List<Variable<TFloat64>> variables = net.variables();

      g.run(init, Map.of(x, batch(3, 1, 0.0, 1.0)));
      List<double[]> first = g.fetch(variables, Map.of());
      g.run(init, Map.of(x, batch(3, 1, 0.0, 1.0)));
      List<double[]> again = g.fetch(variables, Map.of());
      g.run(init, Map.of(x, batch(3, 2, 0.5, 3.0)));
      List<double[]> other = g.fetch(variables, Map.of());
      double changed = 0;
      for (int i = 0; i < variables.size(); i++) {
        assertThat(again.get(i)).as(variables.get(i).op().name()).containsExactly(first.get(i));
        changed = Math.max(changed, FlowChecks.maxAbsDiff(other.get(i), first.get(i)));
      }
      assertThat(changed).as("largest change after init on another batch").isGreaterThan(1e-3);
    }
  }

  /** The flag is the flow's state: a compiled flow reports itself uninitialised until the init pass runs. */
  @Test
  void compiledFlowIsInitialisedAfterTheInitPassOrWithoutDataInit() {
    for (boolean fromData : new boolean[] {true, false}) {
      FlowSpec spec = Flows.sequential(SHAPE).steps(1, s -> s.affineCoupling(Mask.CHECKERBOARD,
          Conditioners.flowPlusPlus(8).blocks(1).heads(2).dataInitialization(fromData))).build();
      try (GraphFixture g = new GraphFixture()) {
        CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 5);
        Placeholder<TFloat64> x = input(g, 3);
        Op init = flow.dataInitialization(g.tf, x);
        Operand<?> initialized = flow.initialized(g.tf);
        assertThat(flow.stateVariables()).as("checkpointed flags").hasSize(fromData ? 1 : 0);
        assertThat(g.fetch(initialized, Map.of())).containsExactly(fromData ? 0.0 : 1.0);
        g.run(init, Map.of(x, batch(3, 1, 0.0, 1.0)));
        assertThat(g.fetch(initialized, Map.of())).containsExactly(1.0);
      }
    }
  }

  /**
   * In training each dropout site zeroes a fraction p of its units (within 4.5 binomial standard deviations),
   * scales the others by 1 / (1 − p), and draws its own mask; in evaluation nothing is dropped.
   */
  @Test
  void dropoutZeroesTheRateInTrainingAndNothingInEvaluation() {
    double rate = 0.3;
    int n = 32;
    try (GraphFixture g = new GraphFixture()) {
      Parameters<TFloat64> parameters = new Parameters<>(TFloat64.class, 13);
      parameters.createRandomSeed(g.tf);
      AttentionConvNet<TFloat64> net = new AttentionConvNet<>(
          g.tf, Conditioners.flowPlusPlus(8).blocks(BLOCKS).heads(2).dropout(rate), SHAPE, IN_CHANNELS, 0, OUT_CHANNELS,
          parameters);
      Placeholder<TFloat64> x = input(g, n);
      AttentionConvNet.Probes<TFloat64> training = AttentionConvNet.Probes.create();
      net.apply(g.tf, x, PassContext.training(), training);
      AttentionConvNet.Probes<TFloat64> evaluation = AttentionConvNet.Probes.create();
      net.apply(g.tf, x, PassContext.evaluation(), evaluation);
      assertThat(training.dropoutOutputs()).hasSize(2 * BLOCKS);
      List<Operand<?>> fetches = new ArrayList<>(training.dropoutOutputs());
      fetches.addAll(evaluation.dropoutOutputs());
      List<double[]> values = g.fetch(fetches, Map.of(x, batch(n, 4, 0.0, 1.0)));

      for (int site = 0; site < 2 * BLOCKS; site++) {
        double[] dropped = values.get(site);
        double fraction = zeroFraction(dropped);
        double tolerance = 4.5 * Math.sqrt(rate * (1 - rate) / dropped.length);
        System.out.printf("flow++ dropout site %d: %d units, zeroed fraction %.4f (rate %.1f, tolerance %.4f)%n",
            site, dropped.length, fraction, rate, tolerance);
        assertThat(fraction).as("zeroed fraction at site %s", site).isCloseTo(rate, org.assertj.core.data.Offset
            .offset(tolerance));
        assertThat(zeroFraction(values.get(2 * BLOCKS + site))).as("zeros in evaluation at site %s", site)
            .isEqualTo(0.0);
      }
      // Nothing random before the first site: its kept units are the evaluation values times 1 / (1 − p).
      double[] dropped = values.get(0);
      double[] kept = values.get(2 * BLOCKS);
      double worst = 0;
      for (int i = 0; i < dropped.length; i++) {
        if (dropped[i] != 0.0) {
          worst = Math.max(worst, Math.abs(dropped[i] - kept[i] / (1 - rate)));
        }
      }
      assertThat(worst).as("kept units scaled by 1 / (1 - p)").isLessThanOrEqualTo(1e-12);
      // The first sites of blocks 0 and 1 have the same shape but their own streams.
      assertThat(zeroPattern(values.get(0))).isNotEqualTo(zeroPattern(values.get(2)));
    }
  }

  /**
   * Plain kernels (the official code's): before init every weight is N(0, 0.05²) (sample std within 15 %); the init
   * pass multiplies each output channel of a kernel by one factor (the ratio after/before is constant per channel to
   * 1e-12), and only convolutions are rescaled, not created anew.
   */
  @Test
  void plainDataInitRescalesTheKernelInPlace() {
    try (GraphFixture g = new GraphFixture()) {
      Parameters<TFloat64> parameters = new Parameters<>(TFloat64.class, 7);
      parameters.createRandomSeed(g.tf);
      AttentionConvNet<TFloat64> net = new AttentionConvNet<>(
          g.tf, Conditioners.flowPlusPlus(8).blocks(1).heads(2).zeroInitLast(false), SHAPE, IN_CHANNELS, 0, OUT_CHANNELS,
          parameters);
      Placeholder<TFloat64> x = input(g, 3);
      List<Op> initOps = new ArrayList<>();
      net.apply(g.tf, x, PassContext.<TFloat64>training().initializing(initOps));
      Op init = g.tf.withControlDependencies(initOps).noOp();
      List<Variable<TFloat64>> kernels = net.variables().stream()
          .filter(v -> v.op().name().endsWith(".kernel")).toList();
      assertThat(kernels).hasSize(6);
      assertThat(net.variables()).noneMatch(v -> v.op().name().endsWith(".gain") || v.op().name().endsWith(
          ".direction"));
      List<double[]> before = g.fetch(kernels, Map.of());
      g.run(init, Map.of(x, batch(3, 1, 0.0, 1.0)));
      List<double[]> after = g.fetch(kernels, Map.of());
      for (int i = 0; i < kernels.size(); i++) {
        double[] w = before.get(i);
        double sumSquares = 0;
        for (double value : w) {
          sumSquares += value * value;
        }
        assertThat(Math.sqrt(sumSquares / w.length)).as("initial std of %s", kernels.get(i).op().name())
            .isCloseTo(0.05, org.assertj.core.data.Offset.offset(0.0075));
        int out = (int) kernels.get(i).shape().get(3);
        double[] ratio = new double[out];
        for (int j = 0; j < w.length; j++) {
          double r = after.get(i)[j] / w[j];
          if (j < out) {
            ratio[j] = r;
          }
          assertThat(r).as("%s weight %s: one factor per output channel", kernels.get(i).op().name(), j)
              .isCloseTo(ratio[j % out], org.assertj.core.data.Offset.offset(1e-12 * Math.abs(ratio[j % out])));
        }
      }
    }
  }

  /**
   * The official code's {@code gated_conv(x, a=context)}: the condition enters every block through its own 1×1
   * projection ({@code a_proj}), not the input convolution. Checked by the variables' shapes and by gradients: the
   * output's gradient reaches each block's projection, and the input convolution takes the data's channels only.
   */
  @Test
  void theConditionEntersEveryBlockThroughItsOwnProjection() {
    try (GraphFixture g = new GraphFixture()) {
      Parameters<TFloat64> parameters = new Parameters<>(TFloat64.class, 7);
      parameters.createRandomSeed(g.tf);
      AttentionConvNet<TFloat64> net = new AttentionConvNet<>(g.tf,
          Conditioners.flowPlusPlus(8).blocks(BLOCKS).heads(2).zeroInitLast(false).dataInitialization(false), SHAPE,
          IN_CHANNELS, CONDITION_CHANNELS, OUT_CHANNELS, parameters);
      List<Variable<TFloat64>> projections = net.variables().stream()
          .filter(v -> v.op().name().contains("condition_projection.kernel")).toList();
      assertThat(projections).hasSize(BLOCKS);
      for (int b = 0; b < BLOCKS; b++) {
        assertThat(projections.get(b).op().name()).startsWith("block_" + b + ".");
        assertThat(projections.get(b).shape().asArray()).containsExactly(1, 1, 2 * CONDITION_CHANNELS, 8);
      }
      Variable<TFloat64> inputKernel = net.variables().stream()
          .filter(v -> v.op().name().equals("conv_in.kernel")).findFirst().orElseThrow();
      assertThat(inputKernel.shape().asArray()).containsExactly(3, 3, IN_CHANNELS, 8);

      Placeholder<TFloat64> x = input(g, 2);
      Placeholder<TFloat64> condition = conditionInput(g, 2);
      Operand<TFloat64> out = net.apply(g.tf, x, PassContext.<TFloat64>evaluation().withCondition(condition));
      Operand<TFloat64> loss = g.tf.reduceSum(g.tf.math.mul(out, out), g.tf.constant(new int[] {0, 1, 2, 3}));
      List<Operand<?>> gradients = new ArrayList<>(g.tf.gradients(loss, projections).dy());
      List<double[]> values = g.fetch(gradients, Map.of(x, batch(2, 1, 0.0, 1.0), condition, conditionBatch(2, 2)));
      for (int b = 0; b < BLOCKS; b++) {
        assertThat(FlowChecks.maxAbs(values.get(b))).as("gradient reaching block %s's projection", b)
            .isGreaterThan(1e-6);
      }
    }
  }

  /**
   * One positional encoding per network, shared by all its blocks' attention, as the official code's
   * {@code pos_emb} (created once per coupling in {@code MixLogisticAttnCoupling}, passed to every
   * {@code gated_attn}): with 3 blocks there is exactly one {@code positional} variable, at the network's scope,
   * of shape {@code [height·width, width]}, no block holds one, and the output's gradient reaches it; a flow of two
   * such couplings has exactly two encodings, one per coupling.
   */
  @Test
  void onePositionalEncodingPerNetworkIsSharedByEveryBlock() {
    int blocks = 3;
    try (GraphFixture g = new GraphFixture()) {
      Parameters<TFloat64> parameters = new Parameters<>(TFloat64.class, 7);
      parameters.createRandomSeed(g.tf);
      AttentionConvNet<TFloat64> net = new AttentionConvNet<>(g.tf,
          Conditioners.flowPlusPlus(8).blocks(blocks).heads(2).zeroInitLast(false).dataInitialization(false), SHAPE,
          IN_CHANNELS, 0, OUT_CHANNELS, parameters);
      List<Variable<TFloat64>> positional = net.variables().stream()
          .filter(v -> v.op().name().contains("positional")).toList();
      assertThat(positional).hasSize(1);
      assertThat(positional.get(0).op().name()).isEqualTo("positional");
      assertThat(positional.get(0).shape().asArray()).containsExactly(16, 8);
      assertThat(net.variables()).noneMatch(v -> v.op().name().startsWith("block_")
          && v.op().name().contains("positional"));
      Placeholder<TFloat64> x = input(g, 2);
      Operand<TFloat64> out = net.apply(g.tf, x, PassContext.evaluation());
      Operand<TFloat64> loss = g.tf.reduceSum(g.tf.math.mul(out, out), g.tf.constant(new int[] {0, 1, 2, 3}));
      List<Operand<?>> gradient = new ArrayList<>(g.tf.gradients(loss, positional).dy());
      assertThat(FlowChecks.maxAbs(g.fetch(gradient, Map.of(x, batch(2, 1, 0.0, 1.0))).get(0)))
          .as("gradient reaching the shared encoding").isGreaterThan(1e-9);
    }
    FlowSpec spec = Flows.sequential(SHAPE).steps(2, s -> s.affineCoupling(Mask.CHECKERBOARD,
        Conditioners.flowPlusPlus(8).blocks(blocks).heads(2).dataInitialization(false))).build();
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 5);
      List<String> names = FlowChecks.of(flow).variables().stream().map(v -> v.op().name())
          .filter(name -> name.contains("positional")).toList();
      System.out.println("positional encodings in a flow of 2 couplings of 3 blocks: " + names);
      assertThat(names).hasSize(2);
      assertThat(names).noneMatch(name -> name.contains("block_"));
    }
  }

  static final int CONDITION_CHANNELS = 3;

  static Placeholder<TFloat64> conditionInput(GraphFixture g, int n) {
    return g.tf.placeholder(TFloat64.class,
        Placeholder.shape(org.tensorflow.ndarray.Shape.of(n, 4, 4, CONDITION_CHANNELS)));
  }

  static TFloat64 conditionBatch(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] values = new double[n * 16 * CONDITION_CHANNELS];
    for (int i = 0; i < values.length; i++) {
      values[i] = 2 * random.nextDouble() - 1;
    }
    return HostTensors.of(TFloat64.class, values, n, 4, 4, CONDITION_CHANNELS);
  }

  static PassContext<TFloat64> conditioned(PassContext<TFloat64> context, Operand<TFloat64> condition,
      boolean conditioned) {
    return conditioned ? context.withCondition(condition) : context;
  }

  static Placeholder<TFloat64> input(GraphFixture g, int n) {
    return g.tf.placeholder(TFloat64.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(n, 4, 4, 2)));
  }

  /** {@code n} examples, uniform with the given mean and standard deviation. */
  static TFloat64 batch(int n, long seed, double mean, double std) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] values = new double[n * SHAPE.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = mean + std * (2 * random.nextDouble() - 1) * Math.sqrt(3);
    }
    return HostTensors.of(TFloat64.class, values, n, 4, 4, 2);
  }

  /** Population mean and standard deviation per channel of a row-major NHWC tensor. */
  static double[][] channelMoments(double[] values, int channels) {
    double[] mean = new double[channels];
    double[] std = new double[channels];
    int count = values.length / channels;
    for (int i = 0; i < values.length; i++) {
      mean[i % channels] += values[i] / count;
    }
    for (int i = 0; i < values.length; i++) {
      double d = values[i] - mean[i % channels];
      std[i % channels] += d * d / count;
    }
    for (int c = 0; c < channels; c++) {
      std[c] = Math.sqrt(std[c]);
    }
    return new double[][] {mean, std};
  }

  static double zeroFraction(double[] values) {
    int zeros = 0;
    for (double v : values) {
      if (v == 0.0) {
        zeros++;
      }
    }
    return zeros / (double) values.length;
  }

  static boolean[] zeroPattern(double[] values) {
    boolean[] pattern = new boolean[values.length];
    for (int i = 0; i < values.length; i++) {
      pattern[i] = values[i] == 0.0;
    }
    return pattern;
  }
}
