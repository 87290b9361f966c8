package org.flows4j.api.conditioner;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;

/**
 * Glow's coupling network for images: {@code k×k conv(width) → act → 1×1 conv(width) → act → k×k conv(out)},
 * "same" padding.
 */
public record ConvNetConditioner(int width, int kernelSize, Activation activation, boolean zeroInitLastLayer)
    implements ConditionerSpec {

  public ConvNetConditioner {
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
    Preconditions.checkArgument(kernelSize > 0 && kernelSize % 2 == 1,
        "kernelSize must be a positive odd number (for 'same' padding), but was %s", kernelSize);
    Preconditions.checkNotNull(activation, "activation");
  }

  public ConvNetConditioner kernelSize(int newKernelSize) {
    return new ConvNetConditioner(width, newKernelSize, activation, zeroInitLastLayer);
  }

  public ConvNetConditioner activation(Activation newActivation) {
    return new ConvNetConditioner(width, kernelSize, newActivation, zeroInitLastLayer);
  }

  /** The last layer starts at zero (the default). */
  public ConvNetConditioner zeroInitLast() {
    return zeroInitLast(true);
  }

  public ConvNetConditioner zeroInitLast(boolean zeroInit) {
    return new ConvNetConditioner(width, kernelSize, activation, zeroInit);
  }

  /** Kernels up to this size are allowed on any image: the usual 1, 3, 5 and 7, harmless even on a 1×1 image. */
  public static final int ALWAYS_ALLOWED_KERNEL = 7;

  /**
   * The largest kernel allowed on an image: {@code max(7, 2·max(h, w) + 1)}. From {@code 2·max(h, w) − 1} on, a
   * kernel centred on any pixel already covers the whole image, so larger ones only add taps that read padding.
   * The bound exists because a huge kernel (2147483647) passed validation and then made TensorFlow abort the JVM.
   */
  public static int largestUsefulKernel(Shape image) {
    Preconditions.checkNotNull(image, "image");
    return Math.max(ALWAYS_ALLOWED_KERNEL, 2 * Math.max(image.dim(0), image.dim(1)) + 1);
  }

  /** The message for a kernel larger than {@link #largestUsefulKernel}. */
  public static String kernelTooLarge(String what, int kernelSize, Shape image) {
    Preconditions.checkNotNull(what, "what");
    return what + " kernelSize must be at most max(7, 2·max(height, width) + 1) = " + largestUsefulKernel(image)
        + " for the input " + image + " (a larger kernel only adds taps that read padding), but was " + kernelSize
        + ".";
  }

  @Override
  public List<String> problems(Shape input) {
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    if (activation == Activation.LIPSWISH) {
      problems.add("LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in "
          + "a convNet conditioner.");
    }
    if (!input.isImage()) {
      problems.add("a convNet conditioner needs an image input [height, width, channels], but the input is "
          + input + ". Use Conditioners.mlp(widths...) for vectors.");
    } else if (kernelSize > largestUsefulKernel(input)) {
      problems.add(kernelTooLarge("convNet", kernelSize, input));
    }
    return problems.build();
  }
}
