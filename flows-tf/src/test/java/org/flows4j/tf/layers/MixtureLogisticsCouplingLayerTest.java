package org.flows4j.tf.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.FlowChecks;
import org.flows4j.tf.GraphFixture;
import org.flows4j.tf.Transformed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat64;

/** The conformance checks (round trip, log-det vs brute-force Jacobian, gradients) on the coupling, float64. */
class MixtureLogisticsCouplingLayerTest {
  static final int K = 4;

  static Stream<Arguments> couplings() {
    return Stream.of(
        Arguments.of(Shape.of(4), new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8, 8), K)),
        Arguments.of(Shape.of(5), new MixtureLogisticsCoupling(Mask.HALF_FLIPPED, Conditioners.mlp(8), K)),
        Arguments.of(Shape.of(4, 4, 2), new MixtureLogisticsCoupling(Mask.CHANNELS, Conditioners.convNet(4), K)),
        Arguments.of(Shape.of(4, 4, 1),
            new MixtureLogisticsCoupling(Mask.CHECKERBOARD, Conditioners.convNet(4), K)),
        Arguments.of(Shape.of(4, 4, 2),
            new MixtureLogisticsCoupling(Mask.CHECKERBOARD_FLIPPED, Conditioners.convNet(4), K)));
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("couplings")
  void conformsOnRandomInput(Shape shape, MixtureLogisticsCoupling spec) {
    MixtureLogisticsCoupling tight = spec.inverse(1e-13, 200);
    try (GraphFixture g = new GraphFixture()) {
      CouplingLayer<TFloat64> layer =
          new CouplingLayer<>(g.tf, tight, shape, 0, new Parameters<>(TFloat64.class, 11));
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      g.session();
      // Zero-initialised last layers make a fresh coupling the identity: move every weight.
      g.perturb(layer.variables(), 0.3, 5);
      FlowChecks.Report report = FlowChecks.check(g, FlowChecks.of(layer), x, shape, FlowChecks.randomBatch(shape, 2, 0.0, 1.0));
      System.out.printf("conformance %-90s %s%n", tight + " on " + shape, report);
    }
  }

  /**
   * Larger weights (perturbation 0.6 / 1.0 instead of 0.3) give spread-out, sharp mixtures: x can then sit on a
   * plateau of F between far-apart components, where dy/dx is e^-20 or less and y hardly determines x (log-dets
   * of −100 to −480 per example here). No inverse can recover x there, so the check is the residual of the
   * equation the inverse solves, {@code |f(x̂) − y|}, at rounding level; {@code |x − x̂|} is printed. Without a
   * bound on {@code a}, perturbation 1.0 drives a to ≈ −70 and {@code y − b} cancels (residual ~1e-2): hence the
   * bounded cases at 1.0.
   */
  @ParameterizedTest(name = "perturbation {0}, log-scale bound {1}")
  @CsvSource({"0.6, 50.0", "1.0, 5.0", "1.0, 3.0"})
  void strongWeightsKeepAnAccurateInverse(double perturbation, double bound) {
    Shape shape = Shape.of(4, 4, 2);
    MixtureLogisticsCoupling spec = new MixtureLogisticsCoupling(Mask.CHANNELS, Conditioners.convNet(8), K)
        .logScaleBound(bound).inverse(1e-13, 200);
    try (GraphFixture g = new GraphFixture()) {
      CouplingLayer<TFloat64> layer =
          new CouplingLayer<>(g.tf, spec, shape, 0, new Parameters<>(TFloat64.class, 21));
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      Transformed<TFloat64> forward = layer.forwardAndLogDet(g.tf, x, PassContext.training());
      Transformed<TFloat64> inverse = layer.inverseAndLogDet(g.tf, forward.value(), PassContext.evaluation());
      // The loss reads the inverse's log-det too: the gradient builder must pass over the While loop.
      Operand<TFloat64> loss = g.tf.math.add(g.tf.reduceSum(forward.logDet(), g.tf.constant(0)),
          g.tf.reduceSum(g.tf.math.square(inverse.logDet()), g.tf.constant(0)));
      Operand<TFloat64> again = layer.forwardAndLogDet(g.tf, inverse.value(), PassContext.training()).value();
      List<Operand<?>> fetches = new java.util.ArrayList<>(
          List.of(inverse.value(), forward.logDet(), inverse.logDet(), forward.value(), again));
      g.tf.gradients(loss, layer.variables()).forEach(fetches::add);
      g.session();
      g.perturb(layer.variables(), perturbation, 9);
      TFloat64 x0 = FlowChecks.randomBatch(shape, 6, 0.0, 1.5);
      List<double[]> v = g.fetch(fetches, Map.of(x, x0));
      double roundTrip = FlowChecks.maxAbsDiff(v.get(0), org.flows4j.tf.HostTensors.toDoubles(x0));
      double[] sum = new double[FlowChecks.BATCH];
      for (int b = 0; b < sum.length; b++) {
        sum[b] = v.get(1)[b] + v.get(2)[b];
      }
      double residual = 0;
      for (int i = 0; i < v.get(3).length; i++) {
        residual = Math.max(residual, Math.abs(v.get(4)[i] - v.get(3)[i]) / (1 + Math.abs(v.get(3)[i])));
      }
      System.out.printf("strong weights (perturbation %s, bound %s): |x - x^| %.3g, |f(x^) - y| / (1 + |y|) %.3g, "
          + "forward + inverse log-det %.3g, log-dets %s%n", perturbation, bound, roundTrip, residual,
          FlowChecks.maxAbs(sum), java.util.Arrays.toString(v.get(1)));
      // The inverse solves its equation to rounding even where x is ill-determined by y (dy/dx ~ e^-20).
      assertThat(residual).isLessThanOrEqualTo(1e-11);
      for (int i = 5; i < v.size(); i++) {
        assertThat(FlowChecks.allFinite(v.get(i))).isTrue();
        assertThat(FlowChecks.maxAbs(v.get(i))).isGreaterThan(0.0);
      }
    }
  }

  @ParameterizedTest(name = "{1} on {0}")
  @MethodSource("couplings")
  void freshCouplingIsTheIdentity(Shape shape, MixtureLogisticsCoupling spec) {
    try (GraphFixture g = new GraphFixture()) {
      CouplingLayer<TFloat64> layer =
          new CouplingLayer<>(g.tf, spec, shape, 0, new Parameters<>(TFloat64.class, 3));
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      Transformed<TFloat64> forward = layer.forwardAndLogDet(g.tf, x, PassContext.training());
      TFloat64 x0 = FlowChecks.randomBatch(shape, 4, 0.0, 2.0);
      List<double[]> values = g.fetch(List.of(forward.value(), forward.logDet()), Map.of(x, x0));
      assertThat(FlowChecks.maxAbsDiff(values.get(0), org.flows4j.tf.HostTensors.toDoubles(x0)))
          .isLessThanOrEqualTo(1e-13);
      assertThat(FlowChecks.maxAbs(values.get(1))).isLessThanOrEqualTo(1e-13);
    }
  }

  /**
   * Flow++'s official defaults: {@code s = tanh(raw)} (B = 1, not the ±5 flows4j used before), dropout 0.2
   * ({@code dropout_p} of the CIFAR-10 run, not 0), positional encodings from N(0, 0.01²) (not zeros): 128 values,
   * so their standard deviation is within 0.01 ± 0.002 (more than three standard errors).
   */
  @Test
  void flowPlusPlusDefaultsAreTheOfficialCodes() {
    assertThat(Conditioners.flowPlusPlus(8).blocks(1).heads(2).dropout()).isEqualTo(0.2);
    try (GraphFixture g = new GraphFixture()) {
      CouplingLayer<TFloat64> layer = new CouplingLayer<>(g.tf,
          new MixtureLogisticsCoupling(Mask.CHANNELS, Conditioners.flowPlusPlus(8).blocks(1).heads(2), 2), Shape.of(4, 4, 2), 0,
          new Parameters<>(TFloat64.class, 4));
      List<org.tensorflow.op.core.Variable<TFloat64>> positional = layer.variables().stream()
          .filter(v -> v.op().name().contains("positional")).toList();
      assertThat(positional).hasSize(1);
      double[] values = g.fetch(positional.get(0), Map.of());
      double mean = java.util.Arrays.stream(values).average().orElseThrow();
      double std = Math.sqrt(java.util.Arrays.stream(values).map(v -> (v - mean) * (v - mean)).sum() / values.length);
      System.out.printf("positional encoding at init: %d values, mean %.4f, std %.4f%n", values.length, mean, std);
      assertThat(values).hasSize(128);
      assertThat(std).isBetween(0.008, 0.012);
      assertThat(Math.abs(mean)).isLessThan(0.003);
    }
    assertThat(new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 2).logScaleBound()).isEqualTo(1.0);
    assertThat(org.flows4j.api.Presets.flowPlusPlus(Shape.of(4, 4, 1)).width(4).blocks(1).heads(1).components(2).build().steps())
        .filteredOn(MixtureLogisticsCoupling.class::isInstance)
        .isNotEmpty()
        .allSatisfy(step -> assertThat(((MixtureLogisticsCoupling) step).logScaleBound()).isEqualTo(1.0));
  }

  @Test
  void specRejectsBadArguments() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 0))
        .hasMessage("components must be at least 1, but was 0");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 2).inverse(0.0, 10))
        .hasMessage("inverseTolerance must be positive and finite, but was 0.0");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 2).inverse(1e-6, 0))
        .hasMessage("maxIterations must be at least 1, but was 0");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 2).logScaleBound(-1.0))
        .hasMessage("logScaleBound must be positive and finite, but was -1.0");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 2)
                .logScaleBound(Double.POSITIVE_INFINITY))
        .hasMessage("logScaleBound must be positive and finite, but was Infinity");
  }
}
