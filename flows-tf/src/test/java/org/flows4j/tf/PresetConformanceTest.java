package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.step.StepSpec;
import org.flows4j.api.step.Coupling;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.api.transform.RationalQuadraticSpline;
import org.flows4j.api.LevelSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.base.Bases;
import org.flows4j.api.Shape;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

/** The conformance suite over whole flows built with the DSL presets (Glow, RealNVP, NICE, MAF, Flow++, neural spline flows), small sizes. */
class PresetConformanceTest {

  static Stream<Arguments> presets() {
    return Stream.of(
        Arguments.of("glow", Presets.glow(Shape.of(4, 4, 1)).levels(2).stepsPerLevel(2).width(8).build()),
        Arguments.of("realnvp-image", Presets.realNvp(Shape.of(4, 4, 1)).couplings(2).width(8).build()),
        Arguments.of("realnvp-2d", Presets.realNvp(Shape.of(2)).couplings(4).width(16).build()),
        Arguments.of("nice-vector", Presets.nice(Shape.of(6)).couplings(4).width(16).build()),
        Arguments.of("maf-vector", Presets.maf(Shape.of(3)).layers(3).width(16).build()),
        Arguments.of("maf-image", Presets.maf(Shape.of(3, 3, 2)).layers(2).width(8).build()),
        Arguments.of("nice-image", Presets.nice(Shape.of(4, 4, 2)).couplings(2).width(8).build()),
        Arguments.of("flowpp", tightBisection(Presets.flowPlusPlus(Shape.of(4, 4, 1)).width(4).blocks(1).heads(1).components(2).build())),
        Arguments.of("nsf-2d", wideSplines(Presets.neuralSplineFlow(Shape.of(2)).steps(3).width(16).build())),
        // The learned diagonal Gaussian base, so that every BaseSpec is in the suite (SealedDispatchTest).
        Arguments.of("nsf-2d-learned-base", withLearnedBase(wideSplines(Presets.neuralSplineFlow(Shape.of(2)).steps(2).width(8).build()))),
        Arguments.of("nsf-ar-vector", Presets.autoregressiveNeuralSplineFlow(Shape.of(3)).steps(2).width(16).build()),
        Arguments.of("nsf-image", Presets.neuralSplineFlow(Shape.of(4, 4, 1)).levels(2).stepsPerLevel(2).width(8).build()));
  }

  /**
   * The spec with every spline coupling's bound raised to 10. The suite initialises ActNorm from 3 examples, whose
   * spread can be small enough to scale the check's inputs beyond the default [-3, 3]; there a spline is the
   * identity and its parameters rightly get no gradient, which the suite would report as a dead variable.
   */
  private static FlowSpec wideSplines(FlowSpec spec) {
    List<LevelSpec> levels = new ArrayList<>();
    for (LevelSpec level : spec.levels()) {
      List<StepSpec> steps = new ArrayList<>();
      for (StepSpec step : level.steps()) {
        steps.add(step instanceof Coupling c && c.transform() instanceof RationalQuadraticSpline spline
            ? new Coupling(c.mask(), c.conditioner(), spline.bound(10))
            : step);
      }
      levels.add(new LevelSpec(steps));
    }
    return new FlowSpec(spec.inputShape(), spec.layout(), levels, spec.base(), spec.dequantization(), spec.logit());
  }

  private static FlowSpec withLearnedBase(FlowSpec spec) {
    return new FlowSpec(spec.inputShape(), spec.layout(), spec.levels(), Bases.diagonalGaussian(),
        spec.dequantization(), spec.logit());
  }

  /**
   * The spec with every mixture-of-logistics coupling's bisection run to 1e-13 (200 halvings), so its inverse
   * meets the suite's round-trip tolerance; the default 1e-6 is for float32. Dropout (Flow++'s default 0.2) is
   * turned off: the suite's forward is a training pass and its inverse an evaluation pass, which see different
   * conditioner outputs with dropout on (StepConformanceTest checks dropout couplings in each mode).
   */
  private static FlowSpec tightBisection(FlowSpec spec) {
    List<LevelSpec> levels = new ArrayList<>();
    for (LevelSpec level : spec.levels()) {
      List<StepSpec> steps = new ArrayList<>();
      for (StepSpec step : level.steps()) {
        steps.add(step instanceof MixtureLogisticsCoupling c
            ? new MixtureLogisticsCoupling(c.mask(), withoutDropout(c.conditioner()), c.components(),
                c.logScaleBound(), 1e-13, 200)
            : step);
      }
      levels.add(new LevelSpec(steps));
    }
    return new FlowSpec(spec.inputShape(), spec.layout(), levels, spec.base(), spec.dequantization(), spec.logit());
  }

  private static org.flows4j.api.conditioner.ConditionerSpec withoutDropout(
      org.flows4j.api.conditioner.ConditionerSpec conditioner) {
    return conditioner instanceof org.flows4j.api.conditioner.AttentionConvNetConditioner attention
        ? attention.dropout(0.0)
        : conditioner;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("presets")
  void wholeFlowConformsInFloat64(String name, FlowSpec spec) {
    Shape shape = spec.inputShape();
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 3);
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      g.run(flow.dataInitialization(g.tf, x), Map.of(x, FlowChecks.randomBatch(shape, 1, 0.5, 1.5)));
      g.perturb(flow.trainableVariables(), 0.1, 9);
      FlowChecks.Report report = FlowChecks.check(g, withoutBaseVariables(flow), x, shape,
          FlowChecks.randomBatch(shape, 2, 0.0, 1.0));
      System.out.printf("conformance preset %-14s %s%n", name, report);

      // The full log-likelihood reaches every variable of the bijection, the base's included (a variational
      // dequantizer's are checked by VariationalDequantizerTest: only the dequantization bound reaches them).
      List<Variable<TFloat64>> variables = FlowChecks.of(flow).variables();
      Operand<TFloat64> nll = g.tf.math.neg(g.tf.math.mean(flow.logProb(g.tf, x), g.tf.constant(0)));
      List<Operand<?>> gradients = new ArrayList<>();
      g.tf.gradients(nll, variables).forEach(gradients::add);
      List<double[]> values = g.fetch(gradients, Map.of(x, FlowChecks.randomBatch(shape, 3, 0.0, 1.0)));
      for (int i = 0; i < values.size(); i++) {
        assertThat(FlowChecks.maxAbs(values.get(i)))
            .as("gradient of %s", variables.get(i).op().name()).isGreaterThan(0.0);
      }
    }
  }

  /**
   * The flow as a bijection whose variables are its steps' only: the check's loss (y and the log-det) does not
   * involve the base distribution, whose learned parameters the full log-likelihood below reaches instead.
   */
  private static FlowChecks.Bijection withoutBaseVariables(CompiledFlow<TFloat64> flow) {
    FlowChecks.Bijection all = FlowChecks.of(flow);
    return new FlowChecks.Bijection() {
      @Override
      public Transformed<TFloat64> forward(Ops tf, Operand<TFloat64> x) {
        return all.forward(tf, x);
      }

      @Override
      public Transformed<TFloat64> inverse(Ops tf, Operand<TFloat64> y) {
        return all.inverse(tf, y);
      }

      @Override
      public List<Variable<TFloat64>> variables() {
        List<Variable<TFloat64>> steps = new ArrayList<>();
        flow.layers().forEach(layer -> steps.addAll(layer.variables()));
        return steps;
      }

      @Override
      public boolean takesAnyBatch() {
        return all.takesAnyBatch();
      }
    };
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("presets")
  void samplesAreFiniteAndSeededInFloat32(String name, FlowSpec spec) {
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat32> flow = FlowCompiler.compile(g.tf, spec, 3);
      Placeholder<TInt64> seed = g.tf.placeholder(TInt64.class);
      Operand<TFloat32> samples = flow.sample(g.tf, g.tf.constant(5), g.tf.constant(0.7f), seed);
      Operand<TFloat32> logProb = flow.logProb(g.tf, samples);
      try (TInt64 s1 = HostTensors.seed(1); TInt64 s2 = HostTensors.seed(1); TInt64 s3 = HostTensors.seed(2)) {
        List<double[]> first = g.fetch(List.of(samples, logProb), Map.of(seed, s1));
        double[] again = g.fetch(samples, Map.of(seed, s2));
        double[] other = g.fetch(samples, Map.of(seed, s3));
        assertThat(first.get(0)).hasSize(5 * spec.inputShape().size());
        assertThat(first.get(1)).hasSize(5);
        assertThat(FlowChecks.allFinite(first.get(0))).as("samples").isTrue();
        assertThat(FlowChecks.allFinite(first.get(1))).as("log-prob of samples").isTrue();
        assertThat(again).containsExactly(first.get(0));
        assertThat(other).isNotEqualTo(first.get(0));
      }
    }
  }

}
