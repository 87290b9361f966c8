package org.flows4j.api;

import static org.flows4j.api.Flows.multiscale;
import static org.flows4j.api.Flows.sequential;
import static org.flows4j.api.conditioner.Conditioners.convNet;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import com.google.common.base.Preconditions;
import java.util.List;
import java.util.function.UnaryOperator;
import org.flows4j.api.base.Bases;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.residual.ExactLogDet;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.Squeeze;
import org.flows4j.api.transform.Transforms;

/**
 * Published architectures, written with the DSL only: each is an ordinary {@link FlowSpec}, and reading one is a
 * way to learn the DSL. Where a preset departs from its paper, its javadoc says so.
 */
public final class Presets {
  private Presets() {}

  /** The {@link #realNvp(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec realNvp(Shape shape, int couplings, int width) {
    checkShapeAndSizes("realNvp", shape, "couplings", couplings, width);
    if (shape.isVector()) {
      return sequential(shape)
          .stepsIndexed(couplings, (i, step) -> step.actNorm()
              .affineCoupling(Mask.HALF.flippedIf(i % 2 == 1), mlp(width, width)))
          .build();
    }
    IndexedSteps checkerboard = (i, step) -> step.actNorm()
        .affineCoupling(Mask.CHECKERBOARD.flippedIf(i % 2 == 1), convNet(width));
    IndexedSteps channelWise = (i, step) -> step.actNorm()
        .affineCoupling(Mask.CHANNELS.flippedIf(i % 2 == 1), convNet(width));
    return multiscale(shape)
        .dequantize(Dequantization.uniform(256))
        .logit(0.05)
        .levelsIndexed(couplings, (l, level) -> {
          if (l < couplings - 1) {
            level.stepsIndexed(3, checkerboard).squeeze().stepsIndexed(3, channelWise);
          } else {
            level.stepsIndexed(4, checkerboard);
          }
        })
        .build();
  }

  /** The {@link #glow(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec glow(Shape imageShape, int levels, int stepsPerLevel, int width) {
    return glowLayout("glow", imageShape, levels, stepsPerLevel, width,
        step -> step.invertibleConv1x1(Conv1x1.LU_DECOMPOSED));
  }

  /** The {@link #emerging(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec emerging(Shape imageShape, int levels, int stepsPerLevel, int width) {
    return glowLayout("emerging", imageShape, levels, stepsPerLevel, width,
        step -> step.invertibleConv1x1(Conv1x1.LU_DECOMPOSED).emergingConv(3));
  }

  /** The {@link #periodic(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec periodic(Shape imageShape, int levels, int stepsPerLevel, int width) {
    return glowLayout("periodic", imageShape, levels, stepsPerLevel, width, step -> step.periodicConv(3));
  }

  /**
   * The layout {@link #glow(Shape)}, {@link #emerging(Shape)} and {@link #periodic(Shape)} share, differing only in
   * each step's channel mixing: 8-bit pixels uniformly dequantized, Glow's learned split and top priors,
   * {@code levels} levels of a squeeze and {@code stepsPerLevel} × (actNorm, {@code mixing}, affine coupling on the
   * channels with a {@code convNet(width)} conditioner and the {@code sigmoid(h + 2)} scale), a factor-out after
   * all levels but the last.
   */
  private static FlowSpec glowLayout(String preset, Shape imageShape, int levels, int stepsPerLevel, int width,
      UnaryOperator<StepsBuilder> mixing) {
    checkGlowSizes(preset, imageShape, levels, stepsPerLevel, width);
    return multiscale(imageShape)
        .dequantize(Dequantization.uniform(256))
        .factorOutPrior(FactorOutPrior.LEARNED)
        .base(Bases.diagonalGaussian())
        .levels(levels, level -> level.squeeze()
            .steps(stepsPerLevel, step -> mixing.apply(step.actNorm())
                .affineCoupling(Mask.CHANNELS, convNet(width), AffineScale.sigmoid())))
        .build();
  }

  /** The {@link #flowPlusPlus(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec flowPlusPlus(Shape imageShape, int width, int blocks, int heads, int components) {
    Preconditions.checkNotNull(imageShape, "imageShape");
    Preconditions.checkArgument(imageShape.isImage(),
        "flowPlusPlus needs an image shape [height, width, channels], but the shape was %s", imageShape);
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
    Preconditions.checkArgument(blocks >= 1, "blocks must be at least 1, but was %s", blocks);
    Preconditions.checkArgument(imageShape.dim(0) % 2 == 0 && imageShape.dim(1) % 2 == 0,
        "flowPlusPlus squeezes once, so height and width must be even, but the shape was %s", imageShape);
    Preconditions.checkArgument(components >= 1, "components must be at least 1, but was %s", components);
    ConditionerSpec conditioner = Conditioners.flowPlusPlus(width).blocks(blocks).heads(heads);
    boolean oneChannel = imageShape.dim(2) == 1;
    FlowSpec dequantizationFlow = sequential(imageShape)
        .stepsIndexed(4, mixtureCouplings(Mask.CHECKERBOARD, !oneChannel, conditioner, components))
        .build();
    ConditionerSpec context = new ConvNetConditioner(width, 3, Activation.RELU, false);
    return sequential(imageShape)
        .dequantize(Dequantization.variational(256, dequantizationFlow, context, 16))
        .logit(0.05)
        .stepsIndexed(4, mixtureCouplings(Mask.CHECKERBOARD, !oneChannel, conditioner, components))
        .steps(1, step -> step.squeeze())
        .stepsIndexed(2, mixtureCouplings(Mask.CHANNELS, true, conditioner, components))
        .stepsIndexed(3, mixtureCouplings(Mask.CHECKERBOARD, true, conditioner, components))
        .build();
  }

  /**
   * Flow++'s step: actNorm, an LU 1x1 convolution when {@code mixChannels}, and a mixture-of-logistics coupling
   * whose mask flips at every other repetition.
   */
  private static IndexedSteps mixtureCouplings(
      Mask mask, boolean mixChannels, ConditionerSpec conditioner, int components) {
    return (i, step) -> {
      step.actNorm();
      if (mixChannels) {
        step.invertibleConv1x1(Conv1x1.LU_DECOMPOSED);
      }
      step.mixtureLogisticsCoupling(mask.flippedIf(i % 2 == 1), conditioner, components);
    };
  }

  private static void checkGlowSizes(String preset, Shape imageShape, int levels, int stepsPerLevel, int width) {
    Preconditions.checkNotNull(imageShape, "imageShape");
    Preconditions.checkArgument(imageShape.isImage(),
        "%s needs an image shape [height, width, channels], but the shape was %s", preset, imageShape);
    Preconditions.checkArgument(levels >= 1, "levels must be at least 1, but was %s", levels);
    Preconditions.checkArgument(stepsPerLevel >= 1, "stepsPerLevel must be at least 1, but was %s", stepsPerLevel);
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
  }

  /** The {@link #nice(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec nice(Shape shape, int couplings, int width) {
    checkShapeAndSizes("nice", shape, "couplings", couplings, width);
    Mask first = shape.isVector() ? Mask.HALF : Mask.CHECKERBOARD;
    SequentialFlowBuilder builder = sequential(shape);
    if (shape.isImage()) {
      builder.dequantize(Dequantization.uniform(256));
    }
    return builder
        .stepsIndexed(couplings, (i, step) -> step.additiveCoupling(
            first.flippedIf(i % 2 == 1), shape.isVector() ? mlp(width, width, width, width) : convNet(width)))
        .add(new ActNorm())
        .base(Bases.standardLogistic())
        .build();
  }

  /** The {@link #residualFlow(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec residualFlow(Shape shape, int blocks, int width) {
    return residualFlow(shape, blocks, width, Math.max(1, width / 4));
  }

  /** The {@link #residualFlow(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec residualFlow(Shape shape, int blocks, int width, int fcWidth) {
    checkShapeAndSizes("residualFlow", shape, "blocks", blocks, width);
    Preconditions.checkArgument(fcWidth > 0, "fcWidth must be positive, but was %s", fcWidth);
    if (shape.isVector()) {
      LogDetEstimator evaluation = shape.size() <= ExactLogDet.MAX_FEATURES
          ? LogDet.exact()
          : LogDet.russianRoulette(0.5).exactTerms(20);
      SpectralNormalization toy = new SpectralNormalization(0.9, 1e-3, 5);
      return sequential(shape)
          .steps(blocks, step -> step.residualBlock(b -> b
              .lipschitzMlp(width, width, width, width).spectralNormalization(toy).evaluationLogDet(evaluation)))
          .build();
    }
    LogDetEstimator poisson = LogDet.russianRoulettePoisson(2);
    SequentialFlowBuilder flow = sequential(shape).dequantize(Dequantization.uniform(256)).logit(0.05);
    for (int scale = 0; scale < 3; scale++) {
      boolean firstScale = scale == 0;
      if (!firstScale) {
        flow.add(new Squeeze(2));
      }
      flow.add(new ActNorm());
      flow.stepsIndexed(blocks, (i, step) -> step.residualBlock(b -> b
          .branch(new LipschitzConvNet(width, !(firstScale && i == 0))).logDet(poisson)).actNorm());
    }
    return flow
        .steps(4, step -> step.residualBlock(b -> b.lipschitzMlp(fcWidth, fcWidth).logDet(poisson)).actNorm())
        .build();
  }

  /** The {@link #maf(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec maf(Shape shape, int layers, int width) {
    Preconditions.checkNotNull(shape, "shape");
    Preconditions.checkArgument(shape.isImage() || (shape.isVector() && shape.dim(0) >= 2),
        "maf needs a vector shape [d] with d at least 2 or an image shape, but the shape was %s", shape);
    Preconditions.checkArgument(layers >= 1, "layers must be at least 1, but was %s", layers);
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
    if (shape.isImage()) {
      return sequential(shape)
          .dequantize(Dequantization.uniform(256))
          .logit(0.05)
          .stepsIndexed(layers, (i, step) -> step.actNorm().maf(
              i % 2 == 0 ? AutoregressiveOrder.natural() : AutoregressiveOrder.reversed(),
              Conditioners.pixelCnn(width).layers(4)))
          .build();
    }
    return sequential(shape)
        .steps(layers, step -> step.maf(width, width).reverse())
        .build();
  }

  /** The {@link #neuralSplineFlow(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec neuralSplineFlow(Shape shape, int steps, int width) {
    Preconditions.checkNotNull(shape, "shape");
    Preconditions.checkArgument(shape.isVector() && shape.dim(0) >= 2,
        "neuralSplineFlow(shape, steps, width) needs a vector shape [d] with d at least 2 (for images use "
            + "neuralSplineFlow(imageShape, levels, stepsPerLevel, width)), but the shape was %s", shape);
    Preconditions.checkArgument(steps >= 1, "steps must be at least 1, but was %s", steps);
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
    return sequential(shape)
        .stepsIndexed(steps, (i, step) -> step.actNorm()
            .invertibleConv1x1(Conv1x1.LU_DECOMPOSED)
            .splineCoupling(Mask.HALF.flippedIf(i % 2 == 1), mlp(width, width)))
        .steps(1, step -> step.invertibleConv1x1(Conv1x1.LU_DECOMPOSED))
        .build();
  }

  /** The {@link #autoregressiveNeuralSplineFlow(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec autoregressiveNeuralSplineFlow(Shape shape, int steps, int width) {
    Preconditions.checkNotNull(shape, "shape");
    Preconditions.checkArgument(shape.isVector() && shape.dim(0) >= 2,
        "autoregressiveNeuralSplineFlow needs a vector shape [d] with d at least 2, but the shape was %s", shape);
    Preconditions.checkArgument(steps >= 1, "steps must be at least 1, but was %s", steps);
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
    return sequential(shape)
        .steps(steps, step -> step.actNorm()
            .invertibleConv1x1(Conv1x1.LU_DECOMPOSED)
            .maf(AutoregressiveOrder.natural(), mlp(width, width), Transforms.spline()))
        .steps(1, step -> step.invertibleConv1x1(Conv1x1.LU_DECOMPOSED))
        .build();
  }

  /** The {@link #neuralSplineFlow(Shape)} architecture from its settings (the builder checks and names them). */
  private static FlowSpec neuralSplineFlow(Shape imageShape, int levels, int stepsPerLevel, int width) {
    checkGlowSizes("neuralSplineFlow", imageShape, levels, stepsPerLevel, width);
    return multiscale(imageShape)
        .dequantize(Dequantization.uniform(256))
        .levels(levels, level -> level.squeeze()
            .steps(stepsPerLevel, step -> step.actNorm()
                .invertibleConv1x1(Conv1x1.LU_DECOMPOSED)
                .splineCoupling(Mask.CHANNELS, convNet(width))))
        .build();
  }

  private static void checkShapeAndSizes(String preset, Shape shape, String countName, int count, int width) {
    Preconditions.checkNotNull(shape, "shape");
    Preconditions.checkArgument(shape.isVector() || shape.isImage(),
        "%s needs a vector [d] or an image [height, width, channels], but the shape was %s", preset, shape);
    Preconditions.checkArgument(count >= 1, "%s must be at least 1, but was %s", countName, count);
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
  }

  // ---- The same presets with their sizes set by name (PresetBuilder). ----

  /**
   * RealNVP: Dinh, Sohl-Dickstein and Bengio, "Density estimation using Real NVP", ICLR 2017
   * (arXiv:1605.08803).
   *
   * <p>For a vector {@code [d]}: {@code couplings} × (actNorm, affine coupling with an {@code mlp(width, width)}
   * conditioner), masks alternating {@code HALF} / {@code HALF_FLIPPED}.
   *
   * <p>For an image: the paper's multi-scale architecture with {@code couplings} levels. Each level but the last:
   * 3 checkerboard couplings (alternating), squeeze, 3 channel-wise couplings (alternating), then a factor-out
   * added by the multiscale builder; the last level: 4 checkerboard couplings (alternating). Conditioners are
   * {@code convNet(width)} rather than the paper's ResNets.
   *
   * <p>Images are 8-bit pixels, uniformly dequantized and passed through the logit transform with α = 0.05 (the
   * paper's CIFAR-10 setting).
   *
   * <p>Every coupling is preceded by actNorm, which stands in for the paper's batch normalisation: it does the same
   * per-feature normalisation without batch statistics at sampling time.
   *
   * <p>This preset by name: {@code realNvp(shape).couplings(4).width(64).build()}.
   */
  public static PresetBuilder realNvp(Shape shape) {
    Preconditions.checkNotNull(shape, "shape");
    return new PresetBuilder("realNvp", List.of("couplings", "width"), List.of(),
        v -> realNvp(shape, v.get("couplings"), v.get("width")));
  }

  /**
   * NICE: Dinh, Krueger and Bengio, "NICE: Non-linear Independent Components Estimation", ICLR 2015 workshop
   * (arXiv:1410.8516).
   *
   * <p>For a vector: {@code couplings} additive couplings with {@code mlp(width, width, width, width)}
   * conditioners, masks alternating {@code HALF} / {@code HALF_FLIPPED}. For an image: {@code couplings} additive
   * couplings with {@code convNet(width)} conditioners, masks alternating {@code CHECKERBOARD} /
   * {@code CHECKERBOARD_FLIPPED}. Both end with actNorm, which stands in for NICE's final diagonal scaling layer
   * (it adds a data-dependent initial shift), and use the paper's standard logistic prior. Images are 8-bit pixels,
   * uniformly dequantized to [0, 1] as in the paper.
   *
   * <p>This preset by name: {@code nice(shape).couplings(4).width(64).build()}.
   */
  public static PresetBuilder nice(Shape shape) {
    Preconditions.checkNotNull(shape, "shape");
    return new PresetBuilder("nice", List.of("couplings", "width"), List.of(),
        v -> nice(shape, v.get("couplings"), v.get("width")));
  }

  /**
   * Glow: Kingma and Dhariwal, "Glow: Generative Flow with Invertible 1x1 Convolutions", NeurIPS 2018
   * (arXiv:1807.03039).
   *
   * <p>{@code levels} levels on an image; each level: squeeze, then {@code stepsPerLevel} × (actNorm, LU-decomposed
   * invertible 1x1 convolution, affine coupling on the channels with a {@code convNet(width)} conditioner and
   * Glow's {@code sigmoid(h + 2)} scale), then a factor-out (all levels but the last). The 1x1 convolutions mix
   * the channels, so the coupling mask does not alternate. Input: 8-bit pixels, uniformly dequantized to [0, 1]
   * (the first ActNorm does the paper's centring).
   *
   * <p>Priors as in openai/glow: every factor-out uses the learned prior of {@code split2d_prior}
   * ({@link FactorOutPrior#LEARNED}: the factored half is N(μ, σ) with μ and log σ from a zero-initialised 3×3
   * convolution of the kept half), and the base is {@link Bases#diagonalGaussian()}, the learned top prior of
   * {@code --learntop} (the official script's conv of zeros reduces to a learned mean and log-scale per latent
   * scalar, which is what {@code diagonalGaussian} is). One departure: our base covers the whole latent, so the
   * factored-out halves, already standardised by their split prior, also get a learned per-scalar mean and scale
   * (starting at N(0, 1), so the model starts as Glow's; the family is Glow's with that extra elementwise affine).
   * Specs saved before these priors were on (factor-outs without {@code "prior"}, a {@code standardNormal} base)
   * still load, as the flow they described.
   *
   * <p>This preset by name: {@code glow(shape).levels(3).stepsPerLevel(32).width(512).build()}.
   */
  public static PresetBuilder glow(Shape imageShape) {
    Preconditions.checkNotNull(imageShape, "imageShape");
    return new PresetBuilder("glow", List.of("levels", "stepsPerLevel", "width"), List.of(),
        v -> glow(imageShape, v.get("levels"), v.get("stepsPerLevel"), v.get("width")));
  }

  /**
   * Glow with emerging convolutions: Hoogeboom, van den Berg and Welling, "Emerging Convolutions for Generative
   * Normalizing Flows", ICML 2019 (arXiv:1901.11137).
   *
   * <p>{@link #glow} with a 3×3 emerging convolution added after each 1x1 convolution: {@code levels} levels, each
   * a squeeze, then {@code stepsPerLevel} × (actNorm, LU-decomposed invertible 1x1 convolution,
   * {@code emergingConv(3)}, affine coupling on the channels with a {@code convNet(width)} conditioner and the
   * {@code sigmoid(h + 2)} scale), then a factor-out (all levels but the last). Input as {@link #glow}.
   *
   * <p>The 1x1 convolution is kept rather than replaced: the paper's image models, in the authors' code, apply the
   * 1x1 convolution and then the emerging convolution in every step (the "emerging" permutation of their Glow
   * fork), so the 1x1 mixes all channels at once and the emerging convolution adds the spatial 3×3 neighbourhood.
   * Sampling inverts each emerging convolution exactly, by blocks of pixels (see {@link StepsBuilder#emergingConv}).
   * The authors' code is a fork of openai/glow and keeps its priors, so this preset has {@link #glow}'s learned split
   * and top priors.
   *
   * <p>This preset by name: {@code emerging(shape).levels(3).stepsPerLevel(32).width(512).build()}.
   */
  public static PresetBuilder emerging(Shape imageShape) {
    Preconditions.checkNotNull(imageShape, "imageShape");
    return new PresetBuilder("emerging", List.of("levels", "stepsPerLevel", "width"), List.of(),
        v -> emerging(imageShape, v.get("levels"), v.get("stepsPerLevel"), v.get("width")));
  }

  /**
   * Glow with periodic convolutions (Hoogeboom, van den Berg and Welling, "Emerging Convolutions for Generative
   * Normalizing Flows", ICML 2019): as {@link #emerging}, but each step's channel mixing is a 3×3 periodic
   * (circular, Fourier-domain) convolution in place of the 1x1 convolution, as the authors' Glow fork does for its
   * periodic models ({@code flow_permutation = 4}: actnorm, {@code fourier_conv} with k = 3, coupling). Priors as
   * {@link #glow}.
   *
   * <p>This preset by name: {@code periodic(shape).levels(3).stepsPerLevel(32).width(512).build()}.
   */
  public static PresetBuilder periodic(Shape imageShape) {
    Preconditions.checkNotNull(imageShape, "imageShape");
    return new PresetBuilder("periodic", List.of("levels", "stepsPerLevel", "width"), List.of(),
        v -> periodic(imageShape, v.get("levels"), v.get("stepsPerLevel"), v.get("width")));
  }

  /**
   * Flow++: Ho, Chen, Srinivas, Duan and Abbeel, "Flow++: Improving Flow-Based Generative Models with Variational
   * Dequantization and Architecture Design", ICML 2019 (arXiv:1902.00275).
   *
   * <p>The paper's CIFAR-10 layout on any image size: mixture-of-logistics couplings ({@code components} logistics)
   * whose conditioners are {@code flowPlusPlus(width).blocks(blocks).heads(heads)} networks, each coupling preceded by actNorm
   * and, once there are several channels, an LU-decomposed 1x1 convolution:
   *
   * <ul>
   *   <li>4 couplings at full resolution, checkerboard masks alternating;
   *   <li>squeeze, then 2 couplings on the channels (alternating halves) and 3 checkerboard couplings.
   * </ul>
   *
   * The paper factors nothing out, and neither does this preset. Pixels are dequantized variationally: a
   * dequantization flow with the official code's step structure, 4 × (normalisation, pointwise linear map,
   * mixture-of-logistics coupling with the same conditioner), checkerboard masks alternating, as ActNorm, an LU 1x1
   * convolution when there are several channels (on one channel it would be a scalar scale, which ActNorm already
   * is, so it is left out) and the coupling, on the image's shape, conditioned on 16 features of the pixels from Glow's conv net of width {@code width}; then the logit
   * transform with α = 0.05. Attention compares every pair of pixels, so memory grows with the square of the
   * number of pixels at full resolution: on 28×28 images keep {@code width} and the batch small.
   *
   * <p>This preset by name: {@code flowPlusPlus(shape).width(96).blocks(10).heads(4).components(32).build()}.
   */
  public static PresetBuilder flowPlusPlus(Shape imageShape) {
    Preconditions.checkNotNull(imageShape, "imageShape");
    return new PresetBuilder("flowPlusPlus", List.of("width", "blocks", "heads", "components"), List.of(),
        v -> flowPlusPlus(imageShape, v.get("width"), v.get("blocks"), v.get("heads"), v.get("components")));
  }

  /**
   * Residual Flows: Chen, Behrmann, Duvenaud and Jacobsen, "Residual Flows for Invertible Generative Modeling",
   * NeurIPS 2019 (arXiv:1906.02735), following the defaults of the official code (rtqichen/residual-flows).
   *
   * <p>For a vector, the toy model of {@code train_toy.py}: {@code blocks} residual blocks (the script uses 100),
   * each with a {@code d → width → width → width → width → d} MLP ("128-128-128-128") that starts with LipSwish
   * (pre-activation) and whose last layer starts near zero, spectral normalisation with coeff 0.9 and at most 5
   * power iterations per update, Russian roulette with N ~ Geometric(0.5) and 2 exact terms; no ActNorm (the
   * script's {@code --actnorm False}). Evaluation uses the exact log-det when the input has at most 64 values (the
   * script's brute force in two dimensions). Where the library cannot follow the script: it backpropagates through
   * the roulette ({@code neumann_grad=False}), which graph mode refuses, so training uses the Neumann gradient (the
   * paper's image setting) instead; and the script stops power iteration after exactly 5 steps, ours after 5 or when
   * the estimate moves less than 1e-3.
   *
   * <p>For an image, the model of {@code train_img.py} with its defaults: 8-bit pixels, uniformly dequantized, logit
   * transform (α = 0.05); three scales without factor-out ({@code --factor-out False}), a squeeze between scales;
   * each scale is an ActNorm then {@code blocks} × (residual block, ActNorm) with the 3×3 → 1×1 → 3×3 LipSwish conv
   * branch of {@code width} channels ({@code --idim}, 512 in the paper; every block pre-activated except the very
   * first, whose input is the data), then 4 fully connected blocks ({@code --fc-end}), each an MLP on the flattened
   * image {@code D → fcWidth → fcWidth → D} ({@code --fc-idim}, 128) followed by an ActNorm. Every block: coeff 0.98,
   * Russian roulette with N ~ Poisson(2), 2 exact terms and the Neumann gradient; evaluation with 20 exact terms (as
   * the official code evaluates). One departure: the official ActNorm after a fully connected block has one scale
   * per scalar of the flattened image; ours has one per channel.
   *
   * <p>{@code fcWidth} is the width of the image models' fully connected blocks (by default a quarter of
   * {@code width}, the paper's 512 → 128). For vectors it is not used.
   *
   * <p>This preset by name: {@code residualFlow(shape).blocks(4).width(128).build()}; {@code fcWidth} is optional (a
   * quarter of {@code width} unless set).
   */
  public static PresetBuilder residualFlow(Shape shape) {
    Preconditions.checkNotNull(shape, "shape");
    return new PresetBuilder("residualFlow", List.of("blocks", "width"), List.of("fcWidth"),
        v -> residualFlow(shape, v.get("blocks"), v.get("width"),
            v.getOrDefault("fcWidth", Math.max(1, v.get("width") / 4))));
  }

  /**
   * MAF: Papamakarios, Pavlakou and Murray, "Masked Autoregressive Flow for Density Estimation", NeurIPS 2017
   * (arXiv:1705.07057).
   *
   * <p>For a vector {@code [d]} (d ≥ 2): {@code layers} × (MAF step with a {@code maf(width, width)} MADE network,
   * reverse), so consecutive steps visit the features in opposite orders. The paper's batch normalisation between
   * steps is left out. Density evaluation is one network pass per step; sampling runs each network d times.
   *
   * <p>For an image: 8-bit pixels, uniformly dequantized, logit transform (α = 0.05), then {@code layers} ×
   * (actNorm, MAF step over the pixels with a {@code pixelCnn(width, 4)} network), raster order alternating with
   * its reverse so that each pixel sees the whole image across two steps (a PixelCNN's blind spot is covered by
   * the reversed step). Sampling computes each pixel's network features once, from cached features of the pixels
   * before it, one wavefront of pixels per loop iteration.
   *
   * <p>This preset by name: {@code maf(shape).layers(5).width(64).build()}.
   */
  public static PresetBuilder maf(Shape shape) {
    Preconditions.checkNotNull(shape, "shape");
    return new PresetBuilder("maf", List.of("layers", "width"), List.of(),
        v -> maf(shape, v.get("layers"), v.get("width")));
  }

  /**
   * Neural spline flow, the coupling variant RQ-NSF (C): Durkan, Bekasov, Murray and Papamakarios, "Neural Spline
   * Flows", NeurIPS 2019 (arXiv:1906.04032), on a vector {@code [d]} (d ≥ 2).
   *
   * <p>{@code steps} × (actNorm, LU-decomposed linear layer, spline coupling with an {@code mlp(width, width)}
   * conditioner, masks alternating {@code HALF} / {@code HALF_FLIPPED}), then a final LU-decomposed linear layer;
   * splines {@link org.flows4j.api.transform.RationalQuadraticSpline#defaults()}: 8 bins on [-3, 3] with linear
   * tails, minimum bin width, height and derivative 1e-3, the paper's tabular setting ({@code experiments/uci.py}).
   * As in the paper each coupling is preceded by a linear layer (their random permutation followed by an LU
   * linear layer; here the LU layer's random initial rotation does both) and the flow ends with one.
   *
   * <p>Departures: the conditioner is a two-hidden-layer MLP rather than the paper's residual network (two blocks,
   * dropout); actNorm is added before every step, as in {@link #realNvp}, so that data of any scale lands inside
   * the splines' [-3, 3] from the first batch on.
   *
   * <p>Neural spline flow on images, RQ-NSF (C) as the paper runs it (§5.4, {@code experiments/images.py}): Glow's
   * multi-scale architecture with spline couplings. {@code levels} levels, each a squeeze, then
   * {@code stepsPerLevel} × (actNorm, LU-decomposed invertible 1x1 convolution, spline coupling on the channels
   * with a {@code convNet(width)} conditioner), then a factor-out (all levels but the last). Splines: 8 bins on
   * [-3, 3], minimums 1e-3, the paper's 8-bit ImageNet configuration ({@code image_configs/imagenet-64-8bit.json};
   * its CIFAR-10 5-bit one uses 2 bins). Input: 8-bit pixels uniformly dequantized to [0, 1] as {@link #glow}
   * (the paper shifts to [-0.5, 0.5]; the first actNorm centres the data either way).
   *
   * <p>Departure: {@code convNet(width)} (Glow's three convolutions) rather than the paper's residual networks with
   * batch normalisation.
   *
   * <p>This preset by name: on a vector {@code neuralSplineFlow(shape).steps(10).width(64).build()}, on an image
   * {@code neuralSplineFlow(shape).levels(2).stepsPerLevel(4).width(64).build()}.
   */
  public static PresetBuilder neuralSplineFlow(Shape shape) {
    Preconditions.checkNotNull(shape, "shape");
    if (shape.isImage()) {
      return new PresetBuilder("neuralSplineFlow on an image", List.of("levels", "stepsPerLevel", "width"),
          List.of(), v -> neuralSplineFlow(shape, v.get("levels"), v.get("stepsPerLevel"), v.get("width")));
    }
    return new PresetBuilder("neuralSplineFlow", List.of("steps", "width"), List.of(),
        v -> neuralSplineFlow(shape, v.get("steps"), v.get("width")));
  }

  /**
   * Neural spline flow, the autoregressive variant RQ-NSF (AR) of the same paper, on a vector {@code [d]}
   * (d ≥ 2): {@code steps} × (actNorm, LU-decomposed linear layer, MAF step whose elementwise map is a spline,
   * with a {@code MADE(width, width)}), then a final LU-decomposed linear layer; splines as in
   * {@link #neuralSplineFlow(Shape)} on a vector. Density is one pass per step, sampling d passes per step. Departures
   * as there: a plain MADE instead of the paper's residual MADE, and actNorm before every step.
   *
   * <p>This preset by name: {@code autoregressiveNeuralSplineFlow(shape).steps(10).width(64).build()}.
   */
  public static PresetBuilder autoregressiveNeuralSplineFlow(Shape shape) {
    Preconditions.checkNotNull(shape, "shape");
    return new PresetBuilder("autoregressiveNeuralSplineFlow", List.of("steps", "width"), List.of(),
        v -> autoregressiveNeuralSplineFlow(shape, v.get("steps"), v.get("width")));
  }
}
