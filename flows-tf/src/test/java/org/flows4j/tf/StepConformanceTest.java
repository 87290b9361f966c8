package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.conditioner.ConvWeights;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.flows4j.api.residual.FixedPointInverse;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.ResidualBranch;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.Coupling;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.Reverse;
import org.flows4j.api.step.Shuffle;
import org.flows4j.api.step.Squeeze;
import org.flows4j.api.step.StepSpec;
import org.flows4j.api.transform.RationalQuadraticSpline;
import org.flows4j.api.transform.Transforms;
import org.flows4j.tf.layers.Layer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/** The conformance suite over every step type, each mask and parameterisation, vectors and images. */
class StepConformanceTest {

  static Stream<Arguments> steps() {
    AffineScale exp = AffineScale.expSoftClamp(2.0);
    AffineScale sigmoid = AffineScale.sigmoid();
    return Stream.of(
        Arguments.of(Shape.of(3), new ActNorm()),
        Arguments.of(Shape.of(4, 4, 2), new ActNorm()),
        Arguments.of(Shape.of(4), new AdditiveCoupling(Mask.HALF, Conditioners.mlp(8, 8))),
        Arguments.of(Shape.of(5), new AdditiveCoupling(Mask.HALF_FLIPPED, Conditioners.mlp(8))),
        Arguments.of(Shape.of(4, 4, 2), new AdditiveCoupling(Mask.CHECKERBOARD, Conditioners.convNet(4))),
        Arguments.of(Shape.of(3, 3, 4), new AdditiveCoupling(Mask.CHANNELS, Conditioners.convNet(4))),
        Arguments.of(Shape.of(4), new AffineCoupling(Mask.HALF, Conditioners.mlp(8, 8), exp)),
        Arguments.of(Shape.of(3), new AffineCoupling(Mask.HALF_FLIPPED, Conditioners.mlp(8), sigmoid)),
        Arguments.of(Shape.of(4, 4, 1), new AffineCoupling(Mask.CHECKERBOARD, Conditioners.convNet(4), exp)),
        Arguments.of(Shape.of(4, 4, 2),
            new AffineCoupling(Mask.CHECKERBOARD_FLIPPED, Conditioners.convNet(4), sigmoid)),
        Arguments.of(Shape.of(3, 3, 3), new AffineCoupling(Mask.CHANNELS, Conditioners.convNet(4), sigmoid)),
        Arguments.of(Shape.of(2, 2, 3), new AffineCoupling(Mask.CHANNELS_FLIPPED, Conditioners.convNet(4), exp)),
        Arguments.of(Shape.of(3), new InvertibleConv1x1(Conv1x1.PLAIN)),
        Arguments.of(Shape.of(3, 3, 3), new InvertibleConv1x1(Conv1x1.PLAIN)),
        Arguments.of(Shape.of(4), new InvertibleConv1x1(Conv1x1.LU_DECOMPOSED)),
        Arguments.of(Shape.of(2, 2, 4), new InvertibleConv1x1(Conv1x1.LU_DECOMPOSED)),
        Arguments.of(Shape.of(3), new InvertibleConv1x1(Conv1x1.QR)),
        Arguments.of(Shape.of(2, 2, 4), new InvertibleConv1x1(Conv1x1.QR)),
        Arguments.of(Shape.of(3), autoregressive(AutoregressiveDirection.MAF, AutoregressiveOrder.natural(), exp)),
        Arguments.of(Shape.of(4), autoregressive(AutoregressiveDirection.MAF, AutoregressiveOrder.reversed(), exp)),
        Arguments.of(Shape.of(5), autoregressive(AutoregressiveDirection.MAF, AutoregressiveOrder.random(3), exp)),
        Arguments.of(Shape.of(4),
            autoregressive(AutoregressiveDirection.MAF, AutoregressiveOrder.random(8), sigmoid)),
        Arguments.of(Shape.of(3), autoregressive(AutoregressiveDirection.IAF, AutoregressiveOrder.natural(), exp)),
        Arguments.of(Shape.of(4), autoregressive(AutoregressiveDirection.IAF, AutoregressiveOrder.reversed(), exp)),
        Arguments.of(Shape.of(5), autoregressive(AutoregressiveDirection.IAF, AutoregressiveOrder.random(3), exp)),
        Arguments.of(Shape.of(4),
            autoregressive(AutoregressiveDirection.IAF, AutoregressiveOrder.random(8), sigmoid)),
        Arguments.of(Shape.of(3, 3, 2), pixelCnn(AutoregressiveOrder.natural(),
            Conditioners.pixelCnn(4).layers(2).activation(Activation.TANH), exp)),
        // Rows 2 and 3 see only the band of rows above them (one layer of k = 3: one row of context).
        Arguments.of(Shape.of(4, 3, 2), pixelCnn(AutoregressiveOrder.reversed(),
            Conditioners.pixelCnn(4).layers(1).activation(Activation.ELU), sigmoid)),
        Arguments.of(Shape.of(5, 3, 1), pixelCnn(AutoregressiveOrder.natural(),
            Conditioners.pixelCnn(3).layers(1).kernelSize(5).activation(Activation.SOFTPLUS), exp)),
        Arguments.of(Shape.of(3, 3, 2), new EmergingConv(3)),
        Arguments.of(Shape.of(4, 4, 1), new EmergingConv(3)),
        Arguments.of(Shape.of(3, 3, 1), new EmergingConv(5)),
        Arguments.of(Shape.of(3, 3, 2), new PeriodicConv(3)),
        Arguments.of(Shape.of(4, 4, 1), new PeriodicConv(3)),
        Arguments.of(Shape.of(4, 4, 1), new PeriodicConv(2)),
        Arguments.of(Shape.of(5), new Reverse()),
        Arguments.of(Shape.of(2, 2, 3), new Reverse()),
        Arguments.of(Shape.of(5), new Shuffle(7)),
        Arguments.of(Shape.of(4, 4, 2), new Squeeze(2)),
        Arguments.of(Shape.of(3), exactResidual(new LipschitzMlp(List.of(8, 8)), Activation.LIPSWISH)),
        Arguments.of(Shape.of(2), exactResidual(new LipschitzMlp(List.of(6)), Activation.ELU)),
        Arguments.of(Shape.of(4), exactResidual(new LipschitzMlp(List.of(5, 7)), Activation.TANH)),
        Arguments.of(Shape.of(3), exactResidual(new LipschitzMlp(List.of(4)), Activation.SOFTPLUS)),
        Arguments.of(Shape.of(4), new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8, 8), 4)
            .inverse(1e-13, 200)),
        Arguments.of(Shape.of(4, 4, 1), new MixtureLogisticsCoupling(Mask.CHECKERBOARD, Conditioners.convNet(4), 4)
            .inverse(1e-13, 200)),
        Arguments.of(Shape.of(4, 4, 2), new MixtureLogisticsCoupling(Mask.CHANNELS_FLIPPED, Conditioners.convNet(4),
            3).inverse(1e-13, 200)),
        Arguments.of(Shape.of(4, 4, 2),
            new AffineCoupling(Mask.CHECKERBOARD, Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(0.0), exp)),
        Arguments.of(Shape.of(4, 4, 2), new MixtureLogisticsCoupling(Mask.CHANNELS,
            Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(0.0), 2).inverse(1e-13, 200)),
        Arguments.of(Shape.of(4, 4, 2), new AffineCoupling(Mask.CHECKERBOARD_FLIPPED,
            Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(0.0).weights(ConvWeights.WEIGHT_NORMALIZED), exp)),
        Arguments.of(Shape.of(2, 2, 2), exactResidual(new LipschitzConvNet(4, true), Activation.LIPSWISH)),
        Arguments.of(Shape.of(3, 2, 1), exactResidual(new LipschitzConvNet(3, false), Activation.ELU)),
        // The general coupling, one case per elementwise transform.
        Arguments.of(Shape.of(4), new Coupling(Mask.HALF, Conditioners.mlp(8, 8), Transforms.additive())),
        Arguments.of(Shape.of(4, 4, 2),
            new Coupling(Mask.CHECKERBOARD, Conditioners.convNet(4), Transforms.affine(sigmoid))),
        Arguments.of(Shape.of(3, 3, 2), new Coupling(Mask.CHANNELS_FLIPPED, Conditioners.convNet(4),
            Transforms.affine(exp))),
        Arguments.of(Shape.of(5), new Coupling(Mask.HALF_FLIPPED, Conditioners.mlp(8),
            Transforms.mixtureLogistics(3).inverse(1e-13, 200))),
        // Spline couplings on every mask. Inputs are N(0, 1): bound 3 keeps nearly all in the bins, bound 1 and 1.5
        // send some through the identity tails; the perturbed conditioners give raw parameters of spread ~1.
        Arguments.of(Shape.of(4), new Coupling(Mask.HALF, Conditioners.mlp(8, 8), Transforms.spline())),
        Arguments.of(Shape.of(5), new Coupling(Mask.HALF_FLIPPED, Conditioners.mlp(8),
            Transforms.spline().bins(5).bound(1.0))),
        Arguments.of(Shape.of(4, 4, 1), new Coupling(Mask.CHECKERBOARD, Conditioners.convNet(4), Transforms.spline())),
        Arguments.of(Shape.of(4, 4, 2), new Coupling(Mask.CHECKERBOARD_FLIPPED, Conditioners.convNet(4),
            Transforms.spline().bins(4).bound(1.5))),
        Arguments.of(Shape.of(3, 3, 3), new Coupling(Mask.CHANNELS, Conditioners.convNet(4),
            Transforms.spline().bins(6).minDerivative(1e-2))),
        Arguments.of(Shape.of(2, 2, 4), new Coupling(Mask.CHANNELS_FLIPPED, Conditioners.convNet(4),
            Transforms.spline().bins(3).bound(1.0))),
        // Autoregressive splines (MADE), both directions.
        Arguments.of(Shape.of(3), autoregressiveSpline(AutoregressiveDirection.MAF, AutoregressiveOrder.natural(),
            Transforms.spline())),
        Arguments.of(Shape.of(5), autoregressiveSpline(AutoregressiveDirection.MAF, AutoregressiveOrder.random(3),
            Transforms.spline().bins(5).bound(1.5))),
        Arguments.of(Shape.of(3), autoregressiveSpline(AutoregressiveDirection.IAF, AutoregressiveOrder.natural(),
            Transforms.spline())),
        Arguments.of(Shape.of(4), autoregressiveSpline(AutoregressiveDirection.IAF, AutoregressiveOrder.reversed(),
            Transforms.spline().bins(4).bound(1.0))));
  }

  /**
   * Residual blocks whose training log-det is a stochastic estimator (checked for bias statistically by
   * ResidualEstimatorTest) and whose evaluation log-det is exact: the suite runs in evaluation mode.
   */
  static Stream<Arguments> evaluationEstimatorSteps() {
    return Stream.of(
        Arguments.of(Shape.of(3), new ResidualBlock(new LipschitzMlp(List.of(8)), Activation.LIPSWISH,
            new SpectralNormalization(0.9, 1e-6, 50), LogDet.russianRoulette(0.5), LogDet.exact(),
            new FixedPointInverse(1e-13, 0, 1000))),
        Arguments.of(Shape.of(2), new ResidualBlock(new LipschitzMlp(List.of(6)), Activation.ELU,
            new SpectralNormalization(0.9, 1e-6, 50), LogDet.truncatedSeries(3), LogDet.exact(),
            new FixedPointInverse(1e-13, 0, 1000))));
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("evaluationEstimatorSteps")
  void stochasticEstimatorStepsConformInEvaluation(Shape shape, StepSpec step) {
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      CompiledFlow<TFloat64> flow = preparedFlow(g, shape, step, x);
      g.run(flow.normalizationUpdate(g.tf), Map.of());
      FlowChecks.Report report = FlowChecks.check(g, inMode(flow.layers().get(0), FlowMode.EVALUATION), x, shape,
          FlowChecks.randomBatch(shape, 2, 0.0, 1.0));
      System.out.printf("conformance %-70s %s%n", step + " on " + shape + " in EVALUATION", report);
    }
  }

  /** MADE widths above d − 1, so every feature depends on every earlier one. */
  static MaskedAutoregressive autoregressive(
      AutoregressiveDirection direction, AutoregressiveOrder order, AffineScale scale) {
    return new MaskedAutoregressive(Conditioners.mlp(8, 8).activation(Activation.TANH), order, direction, scale);
  }

  /** An autoregressive spline step with a MADE wide enough for every dependency. */
  static MaskedAutoregressive autoregressiveSpline(
      AutoregressiveDirection direction, AutoregressiveOrder order, RationalQuadraticSpline spline) {
    return new MaskedAutoregressive(Conditioners.mlp(8, 8).activation(Activation.TANH), order, direction, spline);
  }

  /**
   * MAF on an image with PixelCNN convolutions. The harness perturbs every variable, the zero-initialised output
   * convolution included, so the step is not the identity.
   */
  static MaskedAutoregressive pixelCnn(AutoregressiveOrder order, PixelCnnConditioner conditioner, AffineScale scale) {
    return new MaskedAutoregressive(conditioner, order, AutoregressiveDirection.MAF, scale);
  }

  /**
   * A residual block checked like every other step: exact log-det in training and evaluation, and an inverse
   * tolerance tight enough for the 1e-10 round trip.
   */
  static ResidualBlock exactResidual(ResidualBranch branch, Activation activation) {
    return new ResidualBlock(branch, activation, new SpectralNormalization(0.9, 1e-6, 50), LogDet.exact(),
        LogDet.exact(), new FixedPointInverse(1e-13, 0, 1000));
  }

  /**
   * {@code step} alone, compiled in float64, with its data-dependent initialisation run on data of another mean and
   * spread (so ActNorm's parameters are not trivial) and every weight then moved off its initial value.
   */
  private static CompiledFlow<TFloat64> preparedFlow(
      GraphFixture g, Shape shape, StepSpec step, Placeholder<TFloat64> x) {
    CompiledFlow<TFloat64> flow =
        FlowCompiler.compileFloat64(g.tf, Flows.sequential(shape).add(step).build(), 11);
    g.run(flow.dataInitialization(g.tf, x), Map.of(x, FlowChecks.randomBatch(shape, 1, 0.7, 2.0)));
    g.perturb(flow.trainableVariables(), 0.3, 5);
    return flow;
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("steps")
  void conformsOnRandomInput(Shape shape, StepSpec step) {
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      CompiledFlow<TFloat64> flow = preparedFlow(g, shape, step, x);
      Layer<TFloat64> layer = flow.layers().get(0);
      g.run(flow.normalizationUpdate(g.tf), Map.of());
      FlowChecks.Report report = FlowChecks.check(g, FlowChecks.of(layer), x, shape,
          FlowChecks.randomBatch(shape, 2, 0.0, 1.0));
      System.out.printf("conformance %-70s %s%n", step + " on " + shape, report);
    }
  }

  /** Couplings whose conditioner applies dropout in training passes. */
  static Stream<Arguments> dropoutSteps() {
    return Stream.of(
        Arguments.of(Shape.of(4, 4, 2), new AffineCoupling(Mask.CHECKERBOARD,
            Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(0.2), AffineScale.expSoftClamp(2.0))),
        Arguments.of(Shape.of(4, 4, 2), new MixtureLogisticsCoupling(Mask.CHANNELS,
            Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout(0.2), 2).inverse(1e-13, 200)));
  }

  /**
   * With dropout the plain forward (training) and the inverse (evaluation) see different conditioner outputs, so
   * the suite runs once per mode with both directions in that mode: evaluation, and training, where the masks are
   * fixed by the random seed and the coupling is still a bijection with an exact log-det. Training outputs then
   * change with the seed; evaluation outputs do not.
   */
  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("dropoutSteps")
  void dropoutCouplingConformsInEachModeAndOnlyTrainingDependsOnTheSeed(Shape shape, StepSpec step) {
    try (GraphFixture g = new GraphFixture()) {
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      CompiledFlow<TFloat64> flow = preparedFlow(g, shape, step, x);
      Layer<TFloat64> layer = flow.layers().get(0);
      for (FlowMode mode : FlowMode.values()) {
        FlowChecks.Report report = FlowChecks.check(g, inMode(layer, mode), x, shape,
            FlowChecks.randomBatch(shape, 2, 0.0, 1.0));
        System.out.printf("conformance %-70s %s%n", step + " on " + shape + " in " + mode, report);
      }

      Operand<TFloat64> training = layer.forwardAndLogDet(g.tf, x, PassContext.training()).value();
      Operand<TFloat64> evaluation = layer.forwardAndLogDet(g.tf, x, PassContext.evaluation()).value();
      List<double[]> seed1;
      List<double[]> seed2;
      try (TInt64 s1 = HostTensors.seed(1); TInt64 s2 = HostTensors.seed(2)) {
        seed1 = g.fetch(List.of(training, evaluation),
            Map.of(x, FlowChecks.randomBatch(shape, 2, 0.0, 1.0), flow.randomSeed(), s1));
        seed2 = g.fetch(List.of(training, evaluation),
            Map.of(x, FlowChecks.randomBatch(shape, 2, 0.0, 1.0), flow.randomSeed(), s2));
      }
      double trainingChange = FlowChecks.maxAbsDiff(seed1.get(0), seed2.get(0));
      System.out.printf("dropout seed change %-62s training %.3e, evaluation %.3e%n", step + " on " + shape,
          trainingChange, FlowChecks.maxAbsDiff(seed1.get(1), seed2.get(1)));
      assertThat(trainingChange).as("training output change between seeds").isGreaterThan(1e-3);
      assertThat(seed2.get(1)).as("evaluation output with another seed").containsExactly(seed1.get(1));
    }
  }

  /** The layer with both directions run in {@code mode}. */
  static FlowChecks.Bijection inMode(Layer<TFloat64> layer, FlowMode mode) {
    PassContext<TFloat64> context = PassContext.of(mode);
    return new FlowChecks.Bijection() {
      @Override
      public Transformed<TFloat64> forward(Ops tf, Operand<TFloat64> x) {
        return layer.forwardAndLogDet(tf, x, context);
      }

      @Override
      public Transformed<TFloat64> inverse(Ops tf, Operand<TFloat64> y) {
        return layer.inverseAndLogDet(tf, y, context);
      }

      @Override
      public List<Variable<TFloat64>> variables() {
        return layer.variables();
      }

      /** A training pass may draw noise per example (dropout), so copies of the batch would see other noise. */
      @Override
      public boolean takesAnyBatch() {
        return mode == FlowMode.EVALUATION;
      }
    };
  }

}
