package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.base.Bases;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.step.Reverse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;

class LikelihoodModelTest {

  /**
   * Known answer. With a volume-preserving flow and a standard logistic base, the model's density of the logit
   * input s = α + (1 - 2α)·y is uniform on (α, 1 - α) (the logistic is the logit of a uniform), so the density of y
   * is the constant (1 - 2α)^D and, for every image and every noise draw,
   * <pre>bits/dim = log2(n) - log2(1 - 2α)</pre>
   * which checks the bin term −D·log n, the logit log-det and the bits conversion together.
   */
  @ParameterizedTest(name = "levels {0}, alpha {1}")
  @CsvSource({"256, 0.05", "256, 1e-6", "32, 0.05", "2, 0.25"})
  void bitsPerDimOfAUniformModelIsKnownExactly(int levels, double alpha) {
    FlowSpec spec = Flows.sequential(Shape.of(3, 2, 2)).add(new Reverse()).base(Bases.standardLogistic())
        .dequantize(Dequantization.uniform(levels)).logit(alpha).build();
    try (GraphFixture g = new GraphFixture()) {
      LikelihoodModel<TFloat64> model = LikelihoodModel.of(FlowCompiler.compileFloat64(g.tf, spec, 1));
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class);
      Placeholder<TInt64> seed = g.tf.placeholder(TInt64.class);
      Operand<TFloat64> bitsPerDim = model.bitsPerDim(g.tf, model.logProb(g.tf, x, seed));
      double[] pixels = new double[5 * 12];
      SplittableRandom random = new SplittableRandom(3);
      for (int i = 0; i < pixels.length; i++) {
        pixels[i] = random.nextInt(256);
      }
      try (TFloat64 images = HostTensors.of(TFloat64.class, pixels, 5, 3, 2, 2);
          TInt64 noise = HostTensors.seed(11)) {
        double[] values = g.fetch(bitsPerDim, Map.of(x, images, seed, noise));
        double expected = Math.log(levels) / Math.log(2) - Math.log(1 - 2 * alpha) / Math.log(2);
        for (double v : values) {
          assertThat(v).isCloseTo(expected, within(1e-9));
        }
      }
    }
  }

  @ParameterizedTest(name = "levels {0}")
  @CsvSource({"256", "32"})
  void encodeIsDeterministicPerBinAndDecodeInvertsIt(int levels) {
    FlowSpec spec = Flows.sequential(Shape.of(2, 2, 1)).add(new Reverse())
        .dequantize(Dequantization.uniform(levels)).logit(0.05).build();
    try (GraphFixture g = new GraphFixture()) {
      LikelihoodModel<TFloat64> model = LikelihoodModel.of(FlowCompiler.compileFloat64(g.tf, spec, 1));
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class);
      Transformed<TFloat64> z = model.encode(g.tf, x);
      Operand<TFloat64> back = model.decode(g.tf, z.value());
      double[] pixels = {0, 7, 8, 255};
      try (TFloat64 images = HostTensors.of(TFloat64.class, pixels, 1, 2, 2, 1)) {
        List<double[]> values = g.fetch(List.of(z.value(), back), Map.of(x, images));
        double[] latent = values.get(0);
        double[] decoded = values.get(1);
        int width = 256 / levels;
        for (int i = 0; i < pixels.length; i++) {
          double bin = Math.floor(pixels[i] / width) * width;
          assertThat(decoded[i]).as("decode(encode(%s))", pixels[i]).isCloseTo(bin, within(1e-9));
        }
        if (levels == 32) {
          // 0 and 7 share a 5-bit bin, so they get the same latent (one channel: reverse keeps the order).
          assertThat(latent[1]).isEqualTo(latent[0]);
          assertThat(latent[2]).isNotEqualTo(latent[1]);
        }
      }
    }
  }
}
