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
   * Flow++'s coupling network for images: gated residual convolutions and multi-head self-attention with layer
   * norm, {@code blocks} blocks of {@code width} channels and {@code heads} heads ({@code width} divisible by
   * {@code heads}), plain convolutions initialised from the first batch as in the official code
   * ({@link ConvWeights#PLAIN}; {@code .weights(ConvWeights.WEIGHT_NORMALIZED)} for weight normalisation), dropout
   * 0.2 (the paper's and the official code's value on CIFAR-10, {@code dropout_p = 0.2}; {@code .dropout(0.0)} turns
   * it off), zero-initialised last layer. The learned positional encodings start as N(0, 0.01²), as in the official
   * code.
   *
   * @deprecated three adjacent counts can be swapped without an error; use
   *     {@code flowPlusPlus(width).blocks(blocks).heads(heads)}.
   */
  @Deprecated
  public static AttentionConvNetConditioner flowPlusPlus(int width, int blocks, int heads) {
    return new AttentionConvNetConditioner(width, blocks, heads, 0.2, true, true, ConvWeights.PLAIN);
  }

  /**
   * PixelCNN's masked convolutions for {@code maf} on an image: a mask-A {@code 3×3} convolution, then
   * {@code layers − 1} mask-B {@code 3×3} convolutions of {@code width} channels, ReLU, and a zero-initialised
   * {@code 1×1} output (the step starts as the identity). Each pixel's shift and scale depend on every channel of
   * the pixels before it in raster order within {@code layers} rows (except PixelCNN's blind spot, see
   * {@link PixelCnnConditioner}) and on nothing of the pixel itself. For {@code maf} on images only.
   *
   * @deprecated two adjacent counts can be swapped without an error; use {@code pixelCnn(width).layers(layers)}.
   */
  @Deprecated
  public static PixelCnnConditioner pixelCnn(int width, int layers) {
    return new PixelCnnConditioner(width, layers, 3, Activation.RELU, true);
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
