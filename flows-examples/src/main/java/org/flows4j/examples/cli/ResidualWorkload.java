package org.flows4j.examples.cli;

import java.util.Locale;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.residual.TruncatedSeries;

/**
 * The workloads of {@code flows benchmark-residual}: the configurations of issue 9's table, each as the official
 * Residual Flows code runs it (rtqichen/residual-flows: {@code train_toy.py} and {@code train_img.py} defaults).
 * {@code depthScale} multiplies the number of blocks (1 = the published depth) so that a quick run exists.
 */
enum ResidualWorkload {
  /** train_toy.py: 100 blocks of 2-128-128-128-128-2 LipSwish, coeff 0.9, 5 power iterations, batch 500, roulette. */
  TOY("toy: 100 blocks 2-128x4-2, b500, roulette+Neumann", 500, false),
  /** The same model with the loss backpropagated through a 5-term truncated series. */
  TOY_BACKPROP("toy: same, backprop through 5 terms", 500, false),
  /** train_img.py layout at 28×28×1: blocks 4-4-4 of width 128, fc blocks of width 128, batch 32. */
  IMAGE("image 1x28x28, 4-4-4, width 128, b32", 32, false),
  /** One conv block of width 512 on 28×28×1, batch 16, truncated series with Neumann or backprop gradient. */
  CONV_2_NEUMANN("conv block w512 b16, n=2, Neumann", 16, false),
  CONV_2_BACKPROP("conv block w512 b16, n=2, backprop", 16, false),
  CONV_5_NEUMANN("conv block w512 b16, n=5, Neumann", 16, false),
  CONV_5_BACKPROP("conv block w512 b16, n=5, backprop", 16, false),
  CONV_10_NEUMANN("conv block w512 b16, n=10, Neumann", 16, false),
  CONV_10_BACKPROP("conv block w512 b16, n=10, backprop", 16, false),
  CONV_20_NEUMANN("conv block w512 b16, n=20, Neumann", 16, false),
  CONV_20_BACKPROP("conv block w512 b16, n=20, backprop", 16, false),
  /** The Neumann conv blocks with the series' products in bfloat16 ({@code SeriesPrecision.BFLOAT16}). */
  CONV_2_NEUMANN_BF16("conv block w512 b16, n=2, Neumann, bf16 series", 16, false),
  CONV_20_NEUMANN_BF16("conv block w512 b16, n=20, Neumann, bf16 series", 16, false),
  /** The image layout evaluated with EMA weights, 20 exact terms then the roulette, batch 32. */
  EVAL("image evaluation, EMA, 20 exact + roulette, b32", 32, false),
  /**
   * The paper's MNIST model ({@code train_img.py --data mnist --imagesize 28 --actnorm True}): 16-16-16 conv blocks
   * of width 512 with actNorm, then 4 fc blocks of width 128; batch 64 (train_img.py's default).
   */
  MNIST("paper MNIST: 16-16-16 w512 + 4 fc, b64", 64, true);

  final String title;
  final int batch;
  /** Above ~6 GB of resident memory on this machine's reference run, or not measured yet: only with --large. */
  final boolean large;

  ResidualWorkload(String title, int batch, boolean large) {
    this.title = title;
    this.batch = batch;
    this.large = large;
  }

  /** The name on the command line: {@code toy-backprop}, {@code conv-2-neumann}… */
  String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  static ResidualWorkload fromCliName(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT).replace('-', '_'));
  }

  /** Blocks per stage at the given scale; at least one. */
  private static int scaled(int blocks, double depthScale) {
    return Math.max(1, (int) Math.round(blocks * depthScale));
  }

  FlowSpec spec(double depthScale) {
    Shape image = Shape.of(28, 28, 1);
    SpectralNormalization toyNormalization = new SpectralNormalization(0.9, 1e-3, 5);
    return switch (this) {
      case TOY -> Presets.residualFlow(Shape.of(2)).blocks(scaled(100, depthScale)).width(128).build();
      case TOY_BACKPROP -> Flows.sequential(Shape.of(2))
          .steps(scaled(100, depthScale), step -> step.residualBlock(b -> b.lipschitzMlp(128, 128, 128, 128)
              .spectralNormalization(toyNormalization).logDet(LogDet.truncatedSeries(5))
              .evaluationLogDet(LogDet.exact())))
          .build();
      // The image preset evaluates with 20 exact terms then the roulette, as the official code does.
      case IMAGE, EVAL -> Presets.residualFlow(image).blocks(scaled(4, depthScale)).width(128).fcWidth(128).build();
      case MNIST -> Presets.residualFlow(image).blocks(scaled(16, depthScale)).width(512).fcWidth(128).build();
      default -> {
        // conv-<terms>-<gradient>[-bf16]
        String[] parts = cliName().split("-");
        SeriesPrecision precision = parts.length > 3 ? SeriesPrecision.BFLOAT16 : SeriesPrecision.FULL;
        TruncatedSeries series = LogDet.truncatedSeries(Integer.parseInt(parts[1]));
        TruncatedSeries estimator = parts[2].equals("neumann") ? series.neumannGradient() : series;
        yield Flows.sequential(image)
            .steps(1, s -> s.residualBlock(b -> b.branch(new LipschitzConvNet(512, true))
                .logDet(estimator).evaluationLogDet(estimator).seriesPrecision(precision)))
            .build();
      }
    };
  }

  boolean isConvBlock() {
    return name().startsWith("CONV_");
  }

  boolean isToy() {
    return this == TOY || this == TOY_BACKPROP;
  }
}
