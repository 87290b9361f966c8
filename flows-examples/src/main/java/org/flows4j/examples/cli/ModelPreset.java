package org.flows4j.examples.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.jspecify.annotations.Nullable;

/**
 * The models {@code --model} names, each built with {@link Presets} for a data shape. The sizes are chosen to
 * train in minutes on two CPU cores (see {@link TrainingDefaults} for what they reach): width 64 for 2-D data,
 * width 32 and two levels for 28×28 images. {@code --width} and {@code --depth} override them.
 */
enum ModelPreset {
  REALNVP("realnvp") {
    @Override
    FlowSpec build(Shape shape, int width, int depth) {
      return Presets.realNvp(shape).couplings(depth).width(width).build();
    }

    @Override
    int defaultDepth(Shape shape) {
      return shape.isImage() ? 2 : 8;
    }

    @Override
    String depthMeaning(Shape shape) {
      return shape.isImage() ? "levels" : "couplings";
    }
  },
  NICE("nice") {
    @Override
    FlowSpec build(Shape shape, int width, int depth) {
      return Presets.nice(shape).couplings(depth).width(width).build();
    }

    @Override
    int defaultDepth(Shape shape) {
      return shape.isImage() ? 4 : 8;
    }

    @Override
    String depthMeaning(Shape shape) {
      return "couplings";
    }
  },
  GLOW("glow") {
    @Override
    FlowSpec build(Shape shape, int width, int depth) {
      requireImages(shape);
      return Presets.glow(shape).levels(GLOW_LEVELS).stepsPerLevel(depth).width(width).build();
    }

    @Override
    int defaultDepth(Shape shape) {
      return 4;
    }

    @Override
    String depthMeaning(Shape shape) {
      return "steps per level (" + GLOW_LEVELS + " levels)";
    }
  },
  /** Glow with a 3×3 emerging convolution in every step; the same levels and default sizes as {@link #GLOW}. */
  EMERGING("emerging") {
    @Override
    FlowSpec build(Shape shape, int width, int depth) {
      requireImages(shape);
      return Presets.emerging(shape).levels(GLOW_LEVELS).stepsPerLevel(depth).width(width).build();
    }

    @Override
    int defaultDepth(Shape shape) {
      return GLOW.defaultDepth(shape);
    }

    @Override
    String depthMeaning(Shape shape) {
      return GLOW.depthMeaning(shape);
    }
  },
  /**
   * Flow++ with variational dequantization. Its attention compares every pair of pixels at full resolution, so
   * it defaults to width 16, one block per conditioner, batch 16 and evaluation passes of 64 images: about 2 GB.
   */
  FLOWPP("flowpp") {
    @Override
    FlowSpec build(Shape shape, int width, int depth) {
      requireImages(shape);
      return Presets.flowPlusPlus(shape).width(width).blocks(depth).heads(width % 2 == 0 ? 2 : 1).components(FLOWPP_COMPONENTS).build();
    }

    @Override
    int defaultWidth(Shape shape) {
      return 16;
    }

    @Override
    int defaultDepth(Shape shape) {
      return 1;
    }

    @Override
    String depthMeaning(Shape shape) {
      return "gated-convolution and attention blocks per conditioner";
    }

    @Override
    int defaultBatch(TrainingDefaults defaults) {
      return Math.min(16, defaults.batch());
    }

    @Override
    int evaluationBatch() {
      return 64;
    }
  },
  MAF("maf") {
    @Override
    FlowSpec build(Shape shape, int width, int depth) {
      return Presets.maf(shape).layers(depth).width(width).build();
    }

    @Override
    int defaultDepth(Shape shape) {
      return shape.isImage() ? 4 : 5;
    }

    @Override
    String depthMeaning(Shape shape) {
      return shape.isImage() ? "autoregressive layers (PixelCNN, alternating raster order)" : "autoregressive layers";
    }
  },
  RESFLOW("resflow") {
    @Override
    FlowSpec build(Shape shape, int width, int depth) {
      return Presets.residualFlow(shape).blocks(depth).width(width).build();
    }

    @Override
    int defaultDepth(Shape shape) {
      // The paper's toy model has 100 blocks and its image models 16 per level: sized down for two CPU cores.
      return shape.isImage() ? 1 : 10;
    }

    @Override
    String depthMeaning(Shape shape) {
      return shape.isImage() ? "residual blocks per level (3 levels)" : "residual blocks";
    }
  },
  /**
   * Neural spline flow: on vectors RQ-NSF (C), spline couplings between LU linear layers; on images Glow's
   * multi-scale layout with spline couplings, the same levels and default sizes as {@link #GLOW}.
   */
  NSF("nsf") {
    @Override
    FlowSpec build(Shape shape, int width, int depth) {
      return shape.isImage()
          ? Presets.neuralSplineFlow(shape).levels(GLOW_LEVELS).stepsPerLevel(depth).width(width).build()
          : Presets.neuralSplineFlow(shape).steps(depth).width(width).build();
    }

    @Override
    int defaultDepth(Shape shape) {
      return shape.isImage() ? GLOW.defaultDepth(shape) : 8;
    }

    @Override
    String depthMeaning(Shape shape) {
      return shape.isImage() ? GLOW.depthMeaning(shape) : "spline couplings";
    }
  };

  /** Two squeezes take 28×28 to 7×7, as far as a 28×28 image can go. */
  private static final int GLOW_LEVELS = 2;
  /** Logistics per mixture: the paper uses 32 on CIFAR-10; 8 keeps the CPU default small. */
  private static final int FLOWPP_COMPONENTS = 8;

  private final String cliName;

  ModelPreset(String cliName) {
    this.cliName = cliName;
  }

  abstract FlowSpec build(Shape shape, int width, int depth);

  /**
   * For the models that only take images (Glow and its variants). {@link #build(Shape, Integer, Integer)} turns the
   * refusal into a usage error that names the presets which do fit.
   */
  void requireImages(Shape shape) {
    if (!shape.isImage()) {
      throw new ImagesOnly();
    }
  }

  /** Thrown by {@link #requireImages}: carries no text, so that listing the presets that fit cannot recurse. */
  private static final class ImagesOnly extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ImagesOnly() {
      super(null, null, false, false);
    }
  }

  /** Whether this preset builds for data of {@code shape} at its default sizes. */
  boolean accepts(Shape shape) {
    try {
      build(shape, defaultWidth(shape), defaultDepth(shape));
      return true;
    } catch (ImagesOnly | IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The presets that build for data of {@code shape}, as options: {@code --model realnvp, --model nice or --model
   * maf}. Generated from the presets, so a new one that takes vectors shows up in the message by itself.
   */
  static String optionsAccepting(Shape shape) {
    List<String> options = Arrays.stream(values()).filter(p -> p.accepts(shape))
        .map(p -> "--model " + p.cliName).toList();
    if (options.size() <= 1) {
      return String.join("", options);
    }
    return String.join(", ", options.subList(0, options.size() - 1)) + " or " + options.get(options.size() - 1);
  }

  /** The conditioners' hidden width when {@code --width} is not given. */
  int defaultWidth(Shape shape) {
    return shape.isImage() ? 32 : 64;
  }

  /** Examples per batch when {@code --batch} is not given: the data's default unless the model needs fewer. */
  int defaultBatch(TrainingDefaults defaults) {
    return defaults.batch();
  }

  /** Rows per evaluation pass ({@link org.flows4j.tf.training.TrainingOptions#evaluationBatch()}). */
  int evaluationBatch() {
    return 512;
  }

  /** The number of couplings, levels or steps when {@code --depth} is not given. */
  abstract int defaultDepth(Shape shape);

  /** What {@code --depth} counts for this model and shape, for messages and {@code inspect}. */
  abstract String depthMeaning(Shape shape);

  /** The spec for data of {@code shape}, with the default sizes where {@code width} or {@code depth} is null. */
  public FlowSpec build(Shape shape, @Nullable Integer width, @Nullable Integer depth) {
    int chosenDepth = depth == null ? defaultDepth(shape) : depth;
    try {
      return build(shape, width == null ? defaultWidth(shape) : width, chosenDepth);
    } catch (ImagesOnly e) {
      throw new UsageException("--model " + cliName + " needs image data [height, width, channels], but the data "
          + "are " + shape + " vectors. Use " + optionsAccepting(shape) + " for " + shape.size() + "-D data, or "
          + "--data fashion-mnist.");
    } catch (IllegalArgumentException e) {
      // The spec's own message says which step breaks which rule; say which options led there.
      throw new UsageException("--model " + cliName + " with --depth " + chosenDepth + " (" + depthMeaning(shape)
          + ") does not fit data of shape " + shape + ": " + e.getMessage(), e);
    }
  }

  public String cliName() {
    return cliName;
  }

  /** Looks a preset up by its CLI name, ignoring case; the error lists the valid names. */
  public static ModelPreset fromCliName(String name) {
    String wanted = name.strip().toLowerCase(Locale.ROOT);
    for (ModelPreset preset : values()) {
      if (preset.cliName.equals(wanted)) {
        return preset;
      }
    }
    throw new IllegalArgumentException("unknown model '" + name + "'; choose one of: " + cliNames());
  }

  /** The valid names, comma-separated, in declaration order. */
  public static String cliNames() {
    return Arrays.stream(values()).map(ModelPreset::cliName).collect(Collectors.joining(", "));
  }
}
