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
   * {@code heads}), weight-normalised convolutions initialised from the first batch, no dropout (the paper uses 0.2
   * on CIFAR-10: {@code .dropout(0.2)}), zero-initialised last layer.
   */
  public static AttentionConvNetConditioner flowPlusPlus(int width, int blocks, int heads) {
    return new AttentionConvNetConditioner(width, blocks, heads, 0.0, true, true);
  }
}
