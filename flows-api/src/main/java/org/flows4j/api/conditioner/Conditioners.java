package org.flows4j.api.conditioner;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.primitives.Ints;

/** Factories for conditioner specs with the usual defaults: ReLU, last layer initialised at zero. */
public final class Conditioners {
  private Conditioners() {}

  /**
   * A fully connected network for vector inputs with the given hidden widths, ReLU, and a zero-initialised last
   * layer (so each coupling starts as the identity).
   */
  public static MlpConditioner mlp(int... hiddenWidths) {
    Preconditions.checkNotNull(hiddenWidths, "hiddenWidths");
    return new MlpConditioner(ImmutableList.copyOf(Ints.asList(hiddenWidths)), Activation.RELU, true);
  }

  /** Glow's convolutional network for images: 3x3 kernels, ReLU, zero-initialised last layer. */
  public static ConvNetConditioner convNet(int width) {
    return new ConvNetConditioner(width, 3, Activation.RELU, true);
  }

  /**
   * Flow++'s coupling network (see {@link AttentionConvNetConditioner}) of {@code width} channels, with one block
   * and one attention head until set by name: {@code flowPlusPlus(96).blocks(10).heads(4)}. Plain convolutions
   * initialised from the first batch as in the official code ({@code .weights(ConvWeights.WEIGHT_NORMALIZED)} for
   * weight normalisation), dropout 0.2 (the paper's and the official code's value on
   * CIFAR-10; {@code .dropout(0.0)} turns it off), zero-initialised last layer.
   */
  public static AttentionConvNetConditioner flowPlusPlus(int width) {
    return new AttentionConvNetConditioner(width, 1, 1, 0.2, true, true, ConvWeights.PLAIN);
  }

  /**
   * PixelCNN's masked convolutions for {@code maf} on an image (see {@link PixelCnnConditioner}): {@code width}
   * channels, 3×3 kernels, ReLU, zero-initialised output, with 2 layers (a mask-A and a mask-B convolution) until set
   * by name: {@code pixelCnn(64).layers(4)}.
   */
  public static PixelCnnConditioner pixelCnn(int width) {
    return new PixelCnnConditioner(width, 2, 3, Activation.RELU, true);
  }
}
