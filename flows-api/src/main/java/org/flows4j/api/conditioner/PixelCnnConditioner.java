package org.flows4j.api.conditioner;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;

/**
 * PixelCNN's masked convolutions (van den Oord et al., "Pixel Recurrent Neural Networks", 2016) as the network of
 * a {@code maf} step on an image: one {@code k×k} convolution with mask "A" (taps strictly before the centre in
 * raster order; the centre pixel excluded), {@code layers − 1} {@code k×k} convolutions with mask "B" (the centre
 * included), each followed by the activation, and a {@code 1×1} output convolution. The outputs at a pixel then
 * depend only on the pixels before it in raster order, all their channels, and not on the pixel itself.
 *
 * <p>Like the original PixelCNN, the stack has a blind spot: a pixel never sees the pixels up and to the right
 * beyond the diagonal of its receptive field (with {@code k = 3}, the pixel one row up and two columns right).
 * Alternating {@code natural()} and {@code reversed()} orders over steps gives every pixel a path to every other.
 *
 * @param width channels of the hidden convolutions
 * @param layers masked {@code k×k} convolutions (the first with mask A); each adds {@code k/2} rows of context
 * @param kernelSize odd, at least 3 (a 1×1 masked convolution would see no earlier pixel)
 * @param activation the hidden activation
 * @param zeroInitLastLayer whether the output convolution starts at zero, so the step starts as the identity
 */
public record PixelCnnConditioner(int width, int layers, int kernelSize, Activation activation,
    boolean zeroInitLastLayer) implements ConditionerSpec {

  public PixelCnnConditioner {
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
    Preconditions.checkArgument(layers > 0, "layers must be at least 1, but was %s", layers);
    Preconditions.checkArgument(kernelSize >= 3 && kernelSize % 2 == 1,
        "kernelSize must be an odd number of at least 3 (a masked 1x1 convolution sees no earlier pixel), "
            + "but was %s", kernelSize);
    Preconditions.checkNotNull(activation, "activation");
  }

  /** The number of masked {@code k×k} convolutions (the first with mask A), at least 1. */
  public PixelCnnConditioner layers(int newLayers) {
    return new PixelCnnConditioner(width, newLayers, kernelSize, activation, zeroInitLastLayer);
  }

  public PixelCnnConditioner kernelSize(int newKernelSize) {
    return new PixelCnnConditioner(width, layers, newKernelSize, activation, zeroInitLastLayer);
  }

  public PixelCnnConditioner activation(Activation newActivation) {
    return new PixelCnnConditioner(width, layers, kernelSize, newActivation, zeroInitLastLayer);
  }

  /** The last layer starts at zero (the default). */
  public PixelCnnConditioner zeroInitLast() {
    return zeroInitLast(true);
  }

  public PixelCnnConditioner zeroInitLast(boolean zeroInit) {
    return new PixelCnnConditioner(width, layers, kernelSize, activation, zeroInit);
  }

  @Override
  public List<String> problems(Shape input) {
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    if (activation == Activation.LIPSWISH) {
      problems.add("LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in "
          + "a pixelCnn conditioner.");
    }
    if (!input.isImage()) {
      problems.add("a pixelCnn conditioner needs an image input [height, width, channels], but the input is "
          + input + ". Use maf(hiddenWidths...) (a MADE network) for vectors.");
    }
    return problems.build();
  }
}
