package org.flows4j.api;

import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Ints;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.base.Bases;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.Logit;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.data.NoDequantization;
import org.flows4j.api.residual.ExactLogDet;
import org.flows4j.api.residual.FixedPointInverse;
import org.flows4j.api.residual.GradientMode;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.ResidualBlockBuilder;
import org.flows4j.api.residual.ResidualBranch;
import org.flows4j.api.residual.RussianRoulette;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.residual.TermDistribution;
import org.flows4j.api.residual.TruncatedSeries;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.Reverse;
import org.flows4j.api.step.Shuffle;
import org.flows4j.api.step.Squeeze;
import org.flows4j.api.step.StepSpec;

/**
 * Random valid specs, built from records with the shape rules written out here independently of the steps'
 * {@code problems()}, so a property can check that the validator agrees.
 */
final class ValidSpecs {
  private ValidSpecs() {}

  static FlowSpec generate(Random random) {
    FlowSpec spec = structure(random);
    Dequantization dequantization = random.nextBoolean()
        ? Dequantization.none()
        : Dequantization.uniform(1 << (1 + random.nextInt(8)));
    // The logit transform needs the [0, 1] data that only dequantization gives.
    LogitTransform logit = dequantization instanceof NoDequantization || random.nextBoolean()
        ? LogitTransform.none()
        : LogitTransform.of(1e-6 + 0.49 * random.nextDouble());
    return spec.withPreprocessing(dequantization, logit);
  }

  /** Shape, layout, levels and base; no preprocessing. */
  private static FlowSpec structure(Random random) {
    boolean image = random.nextBoolean();
    if (!image) {
      Shape input = Shape.of(1 + random.nextInt(12));
      return sequential(input, steps(random, input, 1 + random.nextInt(10)), base(random));
    }
    Shape input = Shape.of(
        (1 + random.nextInt(3)) * (1 << random.nextInt(4)),
        (1 + random.nextInt(3)) * (1 << random.nextInt(4)),
        1 + random.nextInt(4));
    if (random.nextBoolean()) {
      return sequential(input, steps(random, input, 1 + random.nextInt(10)), base(random));
    }
    return multiscale(random, input);
  }

  private static FlowSpec sequential(Shape input, List<StepSpec> steps, BaseSpec base) {
    return new FlowSpec(input, Layout.SEQUENTIAL, ImmutableList.of(new LevelSpec(steps)), base);
  }

  private static FlowSpec multiscale(Random random, Shape input) {
    int levelCount = 1 + random.nextInt(3);
    List<LevelSpec> levels = new ArrayList<>();
    Shape shape = input;
    for (int l = 0; l < levelCount; l++) {
      List<StepSpec> steps = new ArrayList<>(steps(random, shape, 1 + random.nextInt(6)));
      shape = outputShape(steps, shape);
      boolean last = l == levelCount - 1;
      if (!last && shape.features() < 2 && divisible(shape, 2)) {
        steps.add(new Squeeze(2));
        shape = new Squeeze(2).outputShape(shape);
      }
      if (last || shape.features() < 2) {
        levels.add(new LevelSpec(steps));
        break;
      }
      steps.add(new FactorOut());
      shape = shape.withFeatures(shape.features() - shape.features() / 2);
      levels.add(new LevelSpec(steps));
    }
    return new FlowSpec(input, Layout.MULTISCALE, levels, base(random));
  }

  private static Shape outputShape(List<StepSpec> steps, Shape input) {
    Shape shape = input;
    for (StepSpec step : steps) {
      shape = step.outputShape(shape);
    }
    return shape;
  }

  /** {@code n} steps, each valid for the shape it receives. */
  private static List<StepSpec> steps(Random random, Shape input, int n) {
    List<StepSpec> steps = new ArrayList<>();
    Shape shape = input;
    while (steps.size() < n) {
      StepSpec step = candidate(random, shape);
      if (step != null) {
        steps.add(step);
        shape = step.outputShape(shape);
      }
    }
    return steps;
  }

  /** A random step valid for {@code shape}, or null when the kind drawn does not fit it. */
  private static StepSpec candidate(Random random, Shape shape) {
    boolean image = shape.isImage();
    int features = shape.features();
    switch (random.nextInt(11)) {
      case 0:
        return new ActNorm();
      case 1:
        return new Reverse();
      case 2:
        return new Shuffle(random.nextLong());
      case 3:
        return new InvertibleConv1x1(Conv1x1.values()[random.nextInt(Conv1x1.values().length)]);
      case 4:
      case 5: {
        Mask mask = mask(random, shape);
        if (mask == null) {
          return null;
        }
        ConditionerSpec conditioner = conditioner(random, image);
        return random.nextBoolean()
            ? new AdditiveCoupling(mask, conditioner)
            : new AffineCoupling(mask, conditioner, random.nextBoolean()
                ? AffineScale.sigmoid()
                : AffineScale.expSoftClamp(0.25 + 4 * random.nextDouble()));
      }
      case 6: {
        int factor = 2 + random.nextInt(2);
        return image && divisible(shape, factor) ? new Squeeze(factor) : null;
      }
      case 7:
        return residualBlock(random, shape);
      case 8:
        // Autoregressive steps: vectors of at least 2 features, images of at least 2 pixels.
        return autoregressive(random, shape);
      case 9: {
        // Hoogeboom et al.'s convolutions: images only; the periodic kernel must fit in the image.
        if (!image) {
          return null;
        }
        int largest = Math.min(shape.dim(0), shape.dim(1));
        return random.nextBoolean()
            ? new EmergingConv(3 + 2 * random.nextInt(3))
            : new PeriodicConv(1 + random.nextInt(largest));
      }
      default:
        return features >= 2 ? new FactorOut() : null;
    }
  }

  /** MADE on vectors of 2 or more features, masked convolutions (MAF, raster order) on images of 2 or more pixels. */
  private static MaskedAutoregressive autoregressive(Random random, Shape shape) {
    AffineScale scale = random.nextBoolean()
        ? AffineScale.expSoftClamp(2.0) // the maf / iaf default
        : random.nextBoolean() ? AffineScale.sigmoid() : AffineScale.expSoftClamp(0.25 + 4 * random.nextDouble());
    if (shape.isImage()) {
      if (shape.dim(0) * shape.dim(1) < 2) {
        return null;
      }
      PixelCnnConditioner pixelCnn = new PixelCnnConditioner(1 + random.nextInt(32), 1 + random.nextInt(4),
          3 + 2 * random.nextInt(3), CONDITIONER_ACTIVATIONS[random.nextInt(CONDITIONER_ACTIVATIONS.length)],
          random.nextBoolean());
      AutoregressiveOrder order = random.nextBoolean() ? AutoregressiveOrder.natural() : AutoregressiveOrder.reversed();
      return new MaskedAutoregressive(pixelCnn, order, AutoregressiveDirection.MAF, scale);
    }
    if (shape.features() < 2) {
      return null;
    }
    List<Integer> widths = new ArrayList<>();
    for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
      widths.add(1 + random.nextInt(64));
    }
    AutoregressiveOrder order = switch (random.nextInt(3)) {
      case 0 -> AutoregressiveOrder.natural();
      case 1 -> AutoregressiveOrder.reversed();
      default -> AutoregressiveOrder.random(random.nextLong());
    };
    AutoregressiveDirection direction =
        random.nextBoolean() ? AutoregressiveDirection.MAF : AutoregressiveDirection.IAF;
    MlpConditioner made = random.nextBoolean()
        ? new MlpConditioner(widths, Activation.RELU, true) // the maf(widths...) default
        : new MlpConditioner(widths, CONDITIONER_ACTIVATIONS[random.nextInt(CONDITIONER_ACTIVATIONS.length)],
            random.nextBoolean());
    return new MaskedAutoregressive(made, order, direction, scale);
  }

  private static boolean divisible(Shape shape, int factor) {
    return shape.dim(0) % factor == 0 && shape.dim(1) % factor == 0;
  }

  private static Mask mask(Random random, Shape shape) {
    List<Mask> fits = new ArrayList<>();
    if (shape.isVector() && shape.dim(0) >= 2) {
      fits.add(Mask.HALF);
    }
    if (shape.isImage() && shape.dim(2) >= 2) {
      fits.add(Mask.CHANNELS);
    }
    if (shape.isImage() && shape.dim(0) * shape.dim(1) >= 2) {
      fits.add(Mask.CHECKERBOARD);
    }
    return fits.isEmpty() ? null : fits.get(random.nextInt(fits.size())).flippedIf(random.nextBoolean());
  }

  /** The activations a conditioner accepts: LIPSWISH is for residual blocks only. */
  private static final Activation[] CONDITIONER_ACTIVATIONS =
      {Activation.RELU, Activation.TANH, Activation.ELU, Activation.SOFTPLUS};

  /** The activations a residual block accepts: smooth and 1-Lipschitz, so not RELU. */
  private static final Activation[] RESIDUAL_ACTIVATIONS =
      {Activation.LIPSWISH, Activation.ELU, Activation.SOFTPLUS, Activation.TANH};

  /** The largest input, in values per example, for which the exact log-det is allowed. */
  private static final int EXACT_LOG_DET_MAX_VALUES = 64;

  private static ConditionerSpec conditioner(Random random, boolean image) {
    Activation activation = CONDITIONER_ACTIVATIONS[random.nextInt(CONDITIONER_ACTIVATIONS.length)];
    if (image) {
      return Conditioners.convNet(1 + random.nextInt(64))
          .kernelSize(1 + 2 * random.nextInt(3))
          .activation(activation)
          .zeroInitLast(random.nextBoolean());
    }
    return Conditioners.mlp(widths(random)).activation(activation).zeroInitLast(random.nextBoolean());
  }

  /**
   * A residual block valid for {@code shape}: an MLP branch (vectors and images, on the flattened image) or a conv
   * branch (images), a smooth activation, a coefficient in (0.5, 0.99), and estimators that fit the input size.
   * About half the fields take the builder's defaults, so the DSL's short forms are rebuilt too.
   */
  private static ResidualBlock residualBlock(Random random, Shape shape) {
    ResidualBranch branch = shape.isImage() && random.nextBoolean()
        ? new LipschitzConvNet(1 + random.nextInt(64), random.nextBoolean())
        : new LipschitzMlp(Ints.asList(widths(random)));
    Activation activation = random.nextBoolean()
        ? Activation.LIPSWISH
        : RESIDUAL_ACTIVATIONS[random.nextInt(RESIDUAL_ACTIVATIONS.length)];
    double coeff = 0.5 + 0.49 * random.nextDouble();
    SpectralNormalization lipschitz = random.nextBoolean()
        ? SpectralNormalization.defaults().withCoeff(coeff)
        : new SpectralNormalization(coeff, Math.pow(10, -1 - 5 * random.nextDouble()), 1 + random.nextInt(50));
    LogDetEstimator logDet = estimator(random, shape);
    LogDetEstimator evaluation = switch (random.nextInt(3)) {
      case 0 -> logDet instanceof RussianRoulette roulette ? roulette.exactTerms(20) : logDet;
      case 1 -> logDet;
      default -> estimator(random, shape);
    };
    FixedPointInverse inverse = random.nextBoolean()
        ? FixedPointInverse.defaults()
        : new FixedPointInverse(
            random.nextBoolean() ? 0 : Math.pow(10, -2 - 6 * random.nextDouble()),
            Math.pow(10, -2 - 6 * random.nextDouble()),
            1 + random.nextInt(500));
    // bfloat16 series terms only where no estimator backpropagates through the series (the rule they must obey).
    boolean backprop = List.of(logDet, evaluation).stream().anyMatch(
        e -> e instanceof TruncatedSeries series && series.gradient() == GradientMode.BACKPROP);
    SeriesPrecision precision = !backprop && random.nextBoolean() ? SeriesPrecision.BFLOAT16 : SeriesPrecision.FULL;
    return new ResidualBlock(branch, activation, lipschitz, logDet, evaluation, inverse, precision);
  }

  private static LogDetEstimator estimator(Random random, Shape shape) {
    int kinds = shape.size() <= EXACT_LOG_DET_MAX_VALUES ? 5 : 4;
    return switch (random.nextInt(kinds)) {
      case 0 -> new RussianRoulette(TermDistribution.GEOMETRIC, 0.5, 2, GradientMode.NEUMANN);
      case 1 -> new RussianRoulette(TermDistribution.GEOMETRIC, 0.01 + 0.98 * random.nextDouble(),
          random.nextInt(5), GradientMode.NEUMANN);
      case 2 -> new RussianRoulette(TermDistribution.POISSON, 0.1 + 5 * random.nextDouble(), random.nextInt(5),
          GradientMode.NEUMANN);
      case 3 -> new TruncatedSeries(1 + random.nextInt(10),
          random.nextBoolean() ? GradientMode.NEUMANN : GradientMode.BACKPROP);
      default -> new ExactLogDet();
    };
  }

  private static int[] widths(Random random) {
    int[] widths = new int[1 + random.nextInt(3)];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = 1 + random.nextInt(128);
    }
    return widths;
  }

  private static BaseSpec base(Random random) {
    return switch (random.nextInt(3)) {
      case 0 -> Bases.standardNormal();
      case 1 -> Bases.diagonalGaussian();
      default -> Bases.standardLogistic();
    };
  }

  /** The same spec rebuilt through the DSL, one named builder method per step. */
  static FlowSpec rebuildWithDsl(FlowSpec spec) {
    if (spec.layout() == Layout.SEQUENTIAL) {
      SequentialFlowBuilder builder = Flows.sequential(spec.inputShape())
          .steps(1, steps -> spec.steps().forEach(step -> append(steps, step)))
          .base(spec.base())
          .dequantize(spec.dequantization());
      if (spec.logit() instanceof Logit logit) {
        builder.logit(logit.alpha());
      }
      return builder.build();
    }
    MultiscaleFlowBuilder builder = Flows.multiscale(spec.inputShape())
        .base(spec.base())
        .dequantize(spec.dequantization());
    if (spec.logit() instanceof Logit logit) {
      builder.logit(logit.alpha());
    }
    List<LevelSpec> levels = spec.levels();
    for (int l = 0; l < levels.size(); l++) {
      List<StepSpec> steps = levels.get(l).steps();
      // The builder adds the factor-out that ends each level but the last.
      List<StepSpec> written = l < levels.size() - 1 ? steps.subList(0, steps.size() - 1) : steps;
      builder.level(level -> written.forEach(step -> append(level, step)));
    }
    return builder.build();
  }

  /**
   * maf / iaf when the step has their default scale: by hidden widths when the MADE has the defaults (ReLU, zero
   * last layer), by conditioner otherwise; the DSL has no way to set the scale, so add().
   */
  private static void appendAutoregressive(StepsBuilder builder, MaskedAutoregressive step) {
    if (!step.scale().equals(AffineScale.expSoftClamp(2.0))) {
      builder.add(step);
      return;
    }
    boolean natural = step.order().equals(AutoregressiveOrder.natural());
    boolean maf = step.direction() == AutoregressiveDirection.MAF;
    if (step.conditioner() instanceof MlpConditioner made && made.activation() == Activation.RELU
        && made.zeroInitLastLayer()) {
      int[] widths = Ints.toArray(made.hiddenWidths());
      if (maf) {
        if (natural) {
          builder.maf(widths);
        } else {
          builder.maf(step.order(), widths);
        }
      } else if (natural) {
        builder.iaf(widths);
      } else {
        builder.iaf(step.order(), widths);
      }
    } else if (maf) {
      if (natural) {
        builder.maf(step.conditioner());
      } else {
        builder.maf(step.order(), step.conditioner());
      }
    } else if (natural) {
      builder.iaf(step.conditioner());
    } else {
      builder.iaf(step.order(), step.conditioner());
    }
  }

  private static void append(StepsBuilder builder, StepSpec step) {
    if (step instanceof ActNorm) {
      builder.actNorm();
    } else if (step instanceof AdditiveCoupling coupling) {
      builder.additiveCoupling(coupling.mask(), coupling.conditioner());
    } else if (step instanceof AffineCoupling coupling) {
      builder.affineCoupling(coupling.mask(), coupling.conditioner(), coupling.scale());
    } else if (step instanceof InvertibleConv1x1 conv) {
      builder.invertibleConv1x1(conv.parameterization());
    } else if (step instanceof Reverse) {
      builder.reverse();
    } else if (step instanceof Shuffle shuffle) {
      builder.shuffle(shuffle.seed());
    } else if (step instanceof Squeeze squeeze) {
      builder.squeeze(squeeze.factor());
    } else if (step instanceof FactorOut) {
      builder.factorOut();
    } else if (step instanceof ResidualBlock block) {
      builder.residualBlock(b -> residualBlock(b, block));
    } else if (step instanceof MaskedAutoregressive autoregressive) {
      appendAutoregressive(builder, autoregressive);
    } else if (step instanceof EmergingConv emerging) {
      builder.emergingConv(emerging.kernelSize());
    } else if (step instanceof PeriodicConv periodic) {
      builder.periodicConv(periodic.kernelSize());
    } else {
      throw new AssertionError("a step type the generator does not know: " + step);
    }
  }

  /**
   * Sets every field of {@code block} on {@code b}: by the short forms where the block allows them
   * ({@code lipschitzMlp}, {@code lipschitzConvNet}, {@code lipschitzCoeff}) and by the general setters otherwise;
   * fields equal to the builder's defaults are sometimes left to it.
   */
  private static void residualBlock(ResidualBlockBuilder b, ResidualBlock block) {
    if (block.branch() instanceof LipschitzMlp mlp) {
      b.lipschitzMlp(mlp.hiddenWidths().stream().mapToInt(Integer::intValue).toArray());
    } else if (block.branch() instanceof LipschitzConvNet conv && conv.preActivation()) {
      b.lipschitzConvNet(conv.width());
    } else {
      b.branch(block.branch());
    }
    if (block.activation() != Activation.LIPSWISH) {
      b.activation(block.activation());
    }
    SpectralNormalization lipschitz = block.lipschitz();
    if (lipschitz.equals(SpectralNormalization.defaults().withCoeff(lipschitz.coeff()))) {
      b.lipschitzCoeff(lipschitz.coeff());
    } else {
      b.spectralNormalization(lipschitz);
    }
    if (!block.logDet().equals(LogDet.russianRoulette(0.5))) {
      b.logDet(block.logDet());
    }
    LogDetEstimator defaultEvaluation = block.logDet() instanceof RussianRoulette roulette
        ? roulette.exactTerms(20)
        : block.logDet();
    if (!block.evaluationLogDet().equals(defaultEvaluation)) {
      b.evaluationLogDet(block.evaluationLogDet());
    }
    if (!block.inverse().equals(FixedPointInverse.defaults())) {
      b.inverse(block.inverse());
    }
    if (block.seriesPrecision() != SeriesPrecision.FULL) {
      b.seriesPrecision(block.seriesPrecision());
    }
  }
}
