package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.step.Conv1x1;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.TFloat64;

/**
 * ActNorm's data-dependent initialisation (Glow §3.1): on the batch it initialises from, each channel's output has
 * mean 0 and standard deviation 1 over the batch and every spatial position. The data have channel means from -7 to
 * 10, spreads from 0.5 to 4 and correlated channels. Alone, an ActNorm's output is checked directly; after an LU
 * 1×1 convolution that mixes those correlated channels (so its output has neither mean 0 nor unit spread), the
 * second ActNorm must be initialised from its own input, the first one's initialised output as mixed by the
 * convolution, or the flow's output misses. Tolerance 1e-5 on the spread: the ε = 1e-6 added to the standard
 * deviation leaves it short by ε/std ≤ 2e-6.
 */
class ActNormInitializationTest {

  static Stream<Arguments> flows() {
    Shape image = Shape.of(4, 3, 3);
    Shape vector = Shape.of(3);
    return Stream.of(
        Arguments.of("actNorm on an image", image, Flows.sequential(image).steps(1, s -> s.actNorm()).build()),
        Arguments.of("actNorm on a vector", vector, Flows.sequential(vector).steps(1, s -> s.actNorm()).build()),
        Arguments.of("actNorm, 1x1, actNorm on an image", image, Flows.sequential(image)
            .steps(1, s -> s.actNorm().invertibleConv1x1(Conv1x1.LU_DECOMPOSED).actNorm()).build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("flows")
  void everyChannelHasMeanZeroAndUnitStandardDeviationOnTheInitialisingBatch(
      String name, Shape shape, FlowSpec spec) {
    int n = 64;
    int channels = shape.features();
    double[] data = correlatedChannels(n * shape.size() / channels, channels);
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 7);
      long[] dims = new long[shape.rank() + 1];
      dims[0] = n;
      for (int i = 0; i < shape.rank(); i++) {
        dims[i + 1] = shape.dim(i);
      }
      Operand<TFloat64> x = g.tf.constant(org.tensorflow.ndarray.Shape.of(dims),
          org.tensorflow.ndarray.buffer.DataBuffers.of(data));
      Op init = flow.dataInitialization(g.tf, x);
      Operand<TFloat64> z = flow.forwardAndLogDet(g.tf, x).value();
      g.run(init, Map.of());
      double[] out = g.fetch(z, Map.of());
      for (int c = 0; c < channels; c++) {
        double[] before = channelMoments(data, channels, c);
        double[] after = channelMoments(out, channels, c);
        System.out.printf("%s, channel %d: mean %.3f -> %.2e, std %.3f -> %.8f%n",
            name, c, before[0], after[0], Math.sqrt(before[1]), Math.sqrt(after[1]));
        assertThat(after[0]).as("mean of channel %s", c).isCloseTo(0, within(1e-9));
        assertThat(Math.sqrt(after[1])).as("std of channel %s", c).isCloseTo(1, within(1e-5));
      }
    }
  }

  /** {@code count} rows of {@code channels} values: channel c is {@code m_c + Σ_k L_ck ε_k}, L lower triangular. */
  private static double[] correlatedChannels(int count, int channels) {
    double[] means = {3, -7, 10};
    double[][] mixing = {{2, 0, 0}, {0.4, 0.5, 0}, {3, -1, 1.5}};
    SplittableRandom random = new SplittableRandom(21);
    double[] out = new double[count * channels];
    double[] eps = new double[channels];
    for (int i = 0; i < count; i++) {
      for (int k = 0; k < channels; k++) {
        eps[k] = random.nextGaussian();
      }
      for (int c = 0; c < channels; c++) {
        double v = means[c];
        for (int k = 0; k <= c; k++) {
          v += mixing[c][k] * eps[k];
        }
        out[i * channels + c] = v;
      }
    }
    return out;
  }

  /** Mean and (population) variance of channel c of row-major values with the channel last. */
  private static double[] channelMoments(double[] values, int channels, int c) {
    int count = values.length / channels;
    double mean = 0;
    for (int i = 0; i < count; i++) {
      mean += values[i * channels + c] / count;
    }
    double variance = 0;
    for (int i = 0; i < count; i++) {
      double e = values[i * channels + c] - mean;
      variance += e * e / count;
    }
    return new double[] {mean, variance};
  }
}
