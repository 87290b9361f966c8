package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.base.Bases;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.context.ContextEncoder;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.context.Contexts;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.api.transform.Transforms;
import org.flows4j.tf.layers.Tensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A conditional flow (every conditioner also reads a condition, as the dequantization flow {@code q(u | x)} does)
 * through the compiled flow's own passes, with a fixed condition, in float64: the conformance checks (round trip,
 * log-det against the brute-force Jacobian, gradients), and the condition really conditions.
 */
class ConditionalFlowTest {
  private static final int CONDITION_FEATURES = 3;

  static Stream<Arguments> flows() {
    AffineScale exp = AffineScale.expSoftClamp(2.0);
    return Stream.of(
        Arguments.of("vector couplings", Flows.sequential(Shape.of(4)).steps(1, s -> s
            .actNorm()
            .affineCoupling(Mask.HALF, Conditioners.mlp(8, 8), exp)
            .additiveCoupling(Mask.HALF_FLIPPED, Conditioners.mlp(8))
            .coupling(Mask.HALF, Conditioners.mlp(8), Transforms.mixtureLogistics(3).inverse(1e-13, 200))
            .reverse()).build()),
        Arguments.of("image couplings", Flows.sequential(Shape.of(4, 4, 2)).steps(1, s -> s
            .actNorm()
            .affineCoupling(Mask.CHECKERBOARD, Conditioners.convNet(4), AffineScale.sigmoid())
            .coupling(Mask.CHANNELS_FLIPPED, Conditioners.convNet(4), Transforms.affine(exp))
            .coupling(Mask.CHECKERBOARD_FLIPPED, Conditioners.convNet(4),
                Transforms.mixtureLogistics(2).inverse(1e-13, 200))).build()));
  }

  /** A fixed condition per example: {@code [batch, features]} for vectors, {@code [batch, h, w, features]} for images. */
  private static Operand<TFloat64> condition(Ops tf, Shape shape, long seed) {
    Shape conditionShape = shape.withFeatures(CONDITION_FEATURES);
    SplittableRandom random = new SplittableRandom(seed);
    double[] values = new double[FlowChecks.BATCH * conditionShape.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = 2 * random.nextDouble() - 1;
    }
    long[] dims = new long[conditionShape.rank() + 1];
    dims[0] = FlowChecks.BATCH;
    for (int i = 0; i < conditionShape.rank(); i++) {
      dims[i + 1] = conditionShape.dim(i);
    }
    return Tensors.constant(tf, values, dims, TFloat64.class);
  }

  /** The flow with its data-dependent initialisation run and every weight moved off its initial value. */
  private static GraphFlow<TFloat64> preparedFlow(
      GraphFixture g, FlowSpec spec, Placeholder<TFloat64> x, Operand<TFloat64> condition) {
    GraphFlow<TFloat64> flow = FlowCompiler.conditionalFlow(g.tf, spec, CONDITION_FEATURES, TFloat64.class, 13);
    List<Op> initOps = new ArrayList<>();
    flow.forwardAndLogDet(g.tf, x, PassContext.<TFloat64>training().withCondition(condition).initializing(initOps));
    g.run(g.tf.withControlDependencies(initOps).noOp(),
        Map.of(x, FlowChecks.randomBatch(spec.inputShape(), 1, 0.7, 2.0)));
    g.perturb(flow.trainableVariables(), 0.3, 5);
    return flow;
  }

  private static FlowChecks.Bijection conditioned(CompiledFlow<TFloat64> flow, Operand<TFloat64> condition) {
    return new FlowChecks.Bijection() {
      @Override
      public Transformed<TFloat64> forward(Ops tf, Operand<TFloat64> x) {
        return flow.forwardAndLogDet(tf, x, PassContext.<TFloat64>training().withCondition(condition));
      }

      @Override
      public Transformed<TFloat64> inverse(Ops tf, Operand<TFloat64> y) {
        return flow.inverse(tf, y, PassContext.<TFloat64>evaluation().withCondition(condition));
      }

      @Override
      public List<Variable<TFloat64>> variables() {
        return flow.trainableVariables();
      }
    };
  }

  /**
   * Inverting through {@link CompiledFlow#inverse(Ops, Operand, PassContext)} with the forward pass's condition:
   * round trip ≤ 1e-10, log-det vs the brute-force Jacobian ≤ 1e-8, every variable gets a gradient (FlowChecks'
   * tolerances). Before the single primitive, the flow's inverse dropped the condition and this did not build.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("flows")
  void conformsWithAFixedCondition(String name, FlowSpec spec) {
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = FlowChecks.input(g, spec.inputShape());
      Operand<TFloat64> condition = condition(g.tf, spec.inputShape(), 21);
      GraphFlow<TFloat64> flow = preparedFlow(g, spec, x, condition);
      FlowChecks.Report report = FlowChecks.check(g, conditioned(flow, condition), x, spec.inputShape(),
          FlowChecks.randomBatch(spec.inputShape(), 2, 0.0, 1.0));
      System.out.printf("conditional conformance %-20s %s%n", name, report);
    }
  }

  /** The same x under two conditions gets log-densities that differ by more than 0.01 nats for some example. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("flows")
  void twoConditionsGiveDifferentDensities(String name, FlowSpec spec) {
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = FlowChecks.input(g, spec.inputShape());
      Operand<TFloat64> first = condition(g.tf, spec.inputShape(), 21);
      Operand<TFloat64> second = condition(g.tf, spec.inputShape(), 22);
      GraphFlow<TFloat64> flow = preparedFlow(g, spec, x, first);
      List<double[]> logProbs = g.fetch(List.of(
              flow.logProb(g.tf, x, PassContext.<TFloat64>evaluation().withCondition(first)),
              flow.logProb(g.tf, x, PassContext.<TFloat64>evaluation().withCondition(second))),
          Map.of(x, FlowChecks.randomBatch(spec.inputShape(), 3, 0.0, 1.0)));
      double difference = FlowChecks.maxAbsDiff(logProbs.get(0), logProbs.get(1));
      System.out.printf("conditional %-20s max |log p(x|c1) - log p(x|c2)| = %.4f nats%n", name, difference);
      assertThat(difference).isGreaterThan(0.01);
    }
  }

  // ---- Flows whose spec declares a context: CompiledFlow's logProb(x, c) and sample(n, c, ...). ----

  static Stream<Arguments> contextFlows() {
    return Stream.of(
        Arguments.of("feature context", Flows.sequential(Shape.of(3)).context(Contexts.features(2))
            .steps(1, s -> s
                .actNorm()
                .affineCoupling(Mask.HALF, Conditioners.mlp(8, 8))
                .coupling(Mask.HALF_FLIPPED, Conditioners.mlp(8), Transforms.additive())
                .coupling(Mask.HALF, Conditioners.mlp(8), Transforms.mixtureLogistics(2).inverse(1e-13, 200))
                .add(new MixtureLogisticsCoupling(Mask.HALF_FLIPPED, Conditioners.mlp(8), 2).inverse(1e-13, 200))
                .reverse()
                .maf(8, 8)
                .iaf(6))
            .build(), new double[] {0.3, -1.2, 1.0, 0.5, -0.7, 0.1}, new double[] {-0.9, 0.4, 0.0, -1.5, 1.3, 0.8}),
        Arguments.of("class context, encoder, multiscale, learned split and top priors", Flows.multiscale(Shape.of(4, 4, 1))
            .context(Contexts.classes(3).embedding(4).encodedBy(ContextEncoder.mlp(5, 8)))
            .factorOutPrior(FactorOutPrior.LEARNED)
            .base(Bases.diagonalGaussian())
            .levelsIndexed(2, (i, level) -> level.squeeze().steps(1, s -> s.actNorm()
                .affineCoupling(Mask.CHANNELS, Conditioners.convNet(4), AffineScale.sigmoid())
                .coupling(i == 0 ? Mask.CHECKERBOARD : Mask.CHANNELS_FLIPPED, Conditioners.convNet(4),
                    Transforms.affine())))
            .build(), new double[] {0, 2, 1}, new double[] {1, 0, 2}),
        // Residual blocks: the context is a bias of every branch map (ContextBiases), exact log-det, tight inverse.
        Arguments.of("feature context, residual MLP blocks", Flows.sequential(Shape.of(3))
            .context(Contexts.features(2))
            .steps(1, s -> s
                .actNorm()
                .add(StepConformanceTest.exactResidual(new LipschitzMlp(List.of(8, 8)), Activation.LIPSWISH))
                .add(StepConformanceTest.exactResidual(new LipschitzMlp(List.of(6)), Activation.ELU)))
            .build(), new double[] {0.3, -1.2, 1.0, 0.5, -0.7, 0.1}, new double[] {-0.9, 0.4, 0.0, -1.5, 1.3, 0.8}),
        Arguments.of("class context, residual conv block", Flows.sequential(Shape.of(3, 3, 2))
            .context(Contexts.classes(3).embedding(2))
            .steps(1, s -> s
                .actNorm()
                .add(StepConformanceTest.exactResidual(new LipschitzConvNet(4, true), Activation.LIPSWISH)))
            .build(), new double[] {0, 2, 1}, new double[] {1, 0, 2}),
        // Conditional PixelCNN MAF: a projection of the context in every layer; sampling runs the cached inverse.
        Arguments.of("feature context, PixelCNN MAF", Flows.sequential(Shape.of(3, 3, 2))
            .context(Contexts.features(2))
            .steps(1, s -> s
                .actNorm()
                .add(StepConformanceTest.pixelCnn(AutoregressiveOrder.natural(),
                    Conditioners.pixelCnn(4).layers(2).activation(Activation.TANH), AffineScale.expSoftClamp(2.0)))
                .add(StepConformanceTest.pixelCnn(AutoregressiveOrder.reversed(),
                    Conditioners.pixelCnn(3).layers(1).activation(Activation.ELU), AffineScale.sigmoid())))
            .build(), new double[] {0.3, -1.2, 1.0, 0.5, -0.7, 0.1}, new double[] {-0.9, 0.4, 0.0, -1.5, 1.3, 0.8}));
  }

  private static Operand<TFloat64> context(Ops tf, double[] values) {
    return Tensors.constant(tf, values, new long[] {FlowChecks.BATCH, values.length / FlowChecks.BATCH},
        TFloat64.class);
  }

  private static CompiledFlow<TFloat64> preparedContextFlow(
      GraphFixture g, FlowSpec spec, Placeholder<TFloat64> x, Operand<TFloat64> c) {
    CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 17);
    g.run(flow.dataInitialization(g.tf, x, c), Map.of(x, FlowChecks.randomBatch(spec.inputShape(), 1, 0.7, 2.0)));
    // Smaller moves than the step suite's 0.3: the priors' zero-initialised convolutions read 3×3×(channels +
    // condition) inputs, and at 0.3 their log-scales reach tens, where exp overflows the samples.
    g.perturb(flow.trainableVariables(), 0.1, 5);
    // Residual blocks: spectral norms of the moved weights, so each map is again within its Lipschitz bound.
    g.run(flow.normalizationUpdate(g.tf, true), Map.of());
    return flow;
  }

  /** Conformance of {@code p(x | c)} with a fixed context, through the compiled flow's context methods. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("contextFlows")
  void contextFlowConformsWithAFixedContext(String name, FlowSpec spec, double[] first, double[] second) {
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = FlowChecks.input(g, spec.inputShape());
      Operand<TFloat64> c = context(g.tf, first);
      CompiledFlow<TFloat64> flow = preparedContextFlow(g, spec, x, c);
      FlowChecks.Bijection bijection = new FlowChecks.Bijection() {
        @Override
        public Transformed<TFloat64> forward(Ops tf, Operand<TFloat64> input) {
          return flow.forwardAndLogDet(tf, input, flow.withContext(tf, c, PassContext.training()));
        }

        @Override
        public Transformed<TFloat64> inverse(Ops tf, Operand<TFloat64> z) {
          return flow.inverse(tf, z, flow.withContext(tf, c, PassContext.evaluation()));
        }

        /** The bijection's variables: every one but the base distribution's, which only log p(z) reaches. */
        @Override
        public List<Variable<TFloat64>> variables() {
          return flow.trainableVariables().stream()
              .filter(v -> !v.op().name().startsWith("flow/base.")).toList();
        }
      };
      FlowChecks.Report report = FlowChecks.check(g, bijection, x, spec.inputShape(),
          FlowChecks.randomBatch(spec.inputShape(), 2, 0.0, 1.0));
      System.out.printf("context conformance %-36s %s%n", name, report);
    }
  }

  /**
   * {@code logProb(x, c)} differs between two contexts by more than 0.01 nats for some example, and
   * {@code sample(n, c, t, seed)} draws other samples for another context with the same seed.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("contextFlows")
  void twoContextsGiveDifferentDensitiesAndSamples(String name, FlowSpec spec, double[] first, double[] second) {
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = FlowChecks.input(g, spec.inputShape());
      Operand<TFloat64> c1 = context(g.tf, first);
      Operand<TFloat64> c2 = context(g.tf, second);
      CompiledFlow<TFloat64> flow = preparedContextFlow(g, spec, x, c1);
      Operand<TInt64> seed = Seeds.statelessSeed(g.tf, 7);
      Operand<TInt32> n = g.tf.constant(FlowChecks.BATCH);
      Operand<TFloat64> t = g.tf.constant(1.0);
      List<double[]> values = g.fetch(List.of(
              flow.logProb(g.tf, x, c1, FlowMode.EVALUATION), flow.logProb(g.tf, x, c2, FlowMode.EVALUATION),
              flow.sample(g.tf, n, c1, t, seed), flow.sample(g.tf, n, c2, t, seed)),
          Map.of(x, FlowChecks.randomBatch(spec.inputShape(), 3, 0.0, 1.0)));
      double densityChange = FlowChecks.maxAbsDiff(values.get(0), values.get(1));
      double sampleChange = FlowChecks.maxAbsDiff(values.get(2), values.get(3));
      System.out.printf("context %-36s max |log p(x|c1) - log p(x|c2)| = %.4f nats, samples differ by %.4f%n",
          name, densityChange, sampleChange);
      assertThat(densityChange).isGreaterThan(0.01);
      assertThat(sampleChange).isGreaterThan(0.01);
      assertThat(FlowChecks.allFinite(values.get(2))).as("samples for c1").isTrue();
      assertThat(FlowChecks.allFinite(values.get(3))).as("samples for c2").isTrue();
    }
  }

  @Test
  void aConditionalFlowNeedsItsContextAndAnUnconditionalOneRefusesOne() {
    try (GraphFixture g = new GraphFixture()) {
      FlowSpec conditional = (FlowSpec) contextFlows().findFirst().orElseThrow().get()[1];
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, conditional, 1);
      Placeholder<TFloat64> x = FlowChecks.input(g, conditional.inputShape());
      assertThatThrownBy(() -> flow.logProb(g.tf, x))
          .isExactlyInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("this flow is conditional (FeatureContext[features=2, encoder=NoEncoder[]]): "
              + "pass the context");
      CompiledFlow<TFloat64> plain = FlowCompiler.compileFloat64(g.tf, conditional.withContext(
          ContextSpec.none()), 1);
      assertThatThrownBy(
              () -> plain.logProb(g.tf, x, context(g.tf, new double[6]), FlowMode.EVALUATION))
          .isExactlyInstanceOf(IllegalArgumentException.class)
          .hasMessage("this flow has no context (the spec declares none): call the methods without one");
    }
  }
}
