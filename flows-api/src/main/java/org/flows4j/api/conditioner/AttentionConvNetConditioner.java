package org.flows4j.api.conditioner;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;
import org.flows4j.api.Shape;

/**
 * Flow++'s coupling network for images (Ho et al. 2019, section 3.3): a 3×3 input convolution to {@code width}
 * channels, then {@code blocks} times [gated residual convolution, layer norm, multi-head self-attention over the
 * pixels with a learned positional encoding and a gated output, layer norm], then a 3×3 output convolution. The
 * positional encoding is one per network, shared by all its blocks, as the official {@code pos_emb}. A
 * condition (the dequantization flow's pixel features, or a conditional flow's context) enters every block's gated
 * convolution through its own 1×1 projection, as the official code's {@code a_proj}.
 *
 * @param dropout the rate of dropout inside the blocks (after the gated convolution's second nonlinearity and on
 *     the attention output), applied in training passes only; the paper uses 0.2 on CIFAR-10. Inverses and
 *     sampling run without it, so a coupling stays invertible
 * @param zeroInitLastLayer whether the output convolution starts at zero, so the coupling starts as the identity
 * @param dataInitialization whether the weight-normalised convolutions initialise from the first training batch
 *     (Salimans and Kingma 2016, as Flow++ does): each gets the scale and bias that give its outputs mean 0 and a
 *     fixed spread on that batch. Without it the gains start at those spreads and the biases at zero
 * @param weights plain kernels as the official code (the default of {@link Conditioners#flowPlusPlus}), or weight
 *     normalisation; JSON without {@code "weights"} (specs saved before the choice existed) means
 *     {@link ConvWeights#WEIGHT_NORMALIZED}, what those specs were trained with, and that value is left out when
 *     written, so such specs save as before
 */
public record AttentionConvNetConditioner(
    int width, int blocks, int heads, double dropout, boolean zeroInitLastLayer, boolean dataInitialization,
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = AttentionConvNetConditioner.WeightNormalized.class)
    ConvWeights weights)
    implements ConditionerSpec {
  /** The value injected when JSON has no {@code "weights"}. */
  public static final String DEFAULT_WEIGHTS = "flows4j.flowPlusPlusWeights";

  public AttentionConvNetConditioner {
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
    Preconditions.checkArgument(blocks > 0, "blocks must be positive, but was %s", blocks);
    Preconditions.checkArgument(heads > 0, "heads must be positive, but was %s", heads);
    Preconditions.checkArgument(width % heads == 0,
        "width must be divisible by heads (each head gets width / heads channels), but width was %s and heads %s",
        width, heads);
    Preconditions.checkArgument(dropout >= 0.0 && dropout < 1.0, "dropout must be in [0, 1), but was %s", dropout);
    Objects.requireNonNull(weights, "weights");
  }

  @JsonCreator
  static AttentionConvNetConditioner fromJson(@JsonProperty("width") int width, @JsonProperty("blocks") int blocks,
      @JsonProperty("heads") int heads, @JsonProperty("dropout") double dropout,
      @JsonProperty("zeroInitLastLayer") boolean zeroInitLastLayer,
      @JsonProperty("dataInitialization") boolean dataInitialization,
      @JacksonInject(DEFAULT_WEIGHTS) @JsonProperty("weights") ConvWeights weights) {
    return new AttentionConvNetConditioner(width, blocks, heads, dropout, zeroInitLastLayer, dataInitialization,
        weights);
  }

  /** Plain kernels (the official code's, the default) or weight-normalised ones. */
  public AttentionConvNetConditioner weights(ConvWeights newWeights) {
    return new AttentionConvNetConditioner(width, blocks, heads, dropout, zeroInitLastLayer, dataInitialization,
        Objects.requireNonNull(newWeights, "newWeights"));
  }

  /** Jackson's filter for {@code "weights"}: leaves weight normalisation, the value old specs mean, out. */
  static final class WeightNormalized {
    @Override
    public boolean equals(Object value) {
      return value == ConvWeights.WEIGHT_NORMALIZED;
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }

  /** The number of blocks (gated convolution and attention), at least 1. */
  public AttentionConvNetConditioner blocks(int newBlocks) {
    return new AttentionConvNetConditioner(width, newBlocks, heads, dropout, zeroInitLastLayer, dataInitialization,
        weights);
  }

  /** The number of attention heads; {@code width} must be divisible by it. */
  public AttentionConvNetConditioner heads(int newHeads) {
    return new AttentionConvNetConditioner(width, blocks, newHeads, dropout, zeroInitLastLayer, dataInitialization,
        weights);
  }

  /** The dropout rate inside the blocks, in [0, 1); training passes only. */
  public AttentionConvNetConditioner dropout(double newDropout) {
    return new AttentionConvNetConditioner(width, blocks, heads, newDropout, zeroInitLastLayer, dataInitialization, weights);
  }

  /** The last layer starts at zero (the default). */
  public AttentionConvNetConditioner zeroInitLast() {
    return zeroInitLast(true);
  }

  public AttentionConvNetConditioner zeroInitLast(boolean zeroInit) {
    return new AttentionConvNetConditioner(width, blocks, heads, dropout, zeroInit, dataInitialization, weights);
  }

  /** Whether the convolutions initialise from the first batch (the default) or start at fixed gains. */
  public AttentionConvNetConditioner dataInitialization(boolean fromData) {
    return new AttentionConvNetConditioner(width, blocks, heads, dropout, zeroInitLastLayer, fromData, weights);
  }

  @Override
  public List<String> problems(Shape input) {
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    if (!input.isImage()) {
      problems.add("a flowPlusPlus conditioner needs an image input [height, width, channels], but the input is "
          + input + ". Use Conditioners.mlp(widths...) for vectors.");
    }
    return problems.build();
  }
}
