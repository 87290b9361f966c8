package org.flows4j.api.conditioner;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;

/**
 * Flow++'s coupling network for images (Ho et al. 2019, section 3.3): a 3×3 input convolution to {@code width}
 * channels, then {@code blocks} times [gated residual convolution, layer norm, multi-head self-attention over the
 * pixels with a learned positional encoding and a gated residual output, layer norm], then a 3×3 output
 * convolution. Every convolution is weight-normalised.
 *
 * <p>{@code dropout} is part of the spec (the paper uses 0.2 on CIFAR-10) but not supported yet: a coupling's
 * inverse must see the same conditioner output as its forward, and conditioners have no training mode. A rate
 * above zero is reported by {@link #problems}.
 */
public record AttentionConvNetConditioner(int width, int blocks, int heads, double dropout, boolean zeroInitLastLayer)
    implements ConditionerSpec {

  public AttentionConvNetConditioner {
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
    Preconditions.checkArgument(blocks > 0, "blocks must be positive, but was %s", blocks);
    Preconditions.checkArgument(heads > 0, "heads must be positive, but was %s", heads);
    Preconditions.checkArgument(width % heads == 0,
        "width must be divisible by heads (each head gets width / heads channels), but width was %s and heads %s",
        width, heads);
    Preconditions.checkArgument(dropout >= 0.0 && dropout < 1.0, "dropout must be in [0, 1), but was %s", dropout);
  }

  /** The dropout rate inside the blocks. Rates above zero are not supported yet (see the class comment). */
  public AttentionConvNetConditioner dropout(double newDropout) {
    return new AttentionConvNetConditioner(width, blocks, heads, newDropout, zeroInitLastLayer);
  }

  /** The last layer starts at zero (the default). */
  public AttentionConvNetConditioner zeroInitLast() {
    return zeroInitLast(true);
  }

  public AttentionConvNetConditioner zeroInitLast(boolean zeroInit) {
    return new AttentionConvNetConditioner(width, blocks, heads, dropout, zeroInit);
  }

  @Override
  public List<String> problems(Shape input) {
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    if (!input.isImage()) {
      problems.add("a flowPlusPlus conditioner needs an image input [height, width, channels], but the input is "
          + input + ". Use Conditioners.mlp(widths...) for vectors.");
    }
    if (dropout > 0.0) {
      problems.add("dropout is not supported yet in a flowPlusPlus conditioner (a coupling's inverse must see the "
          + "same conditioner output as its forward), but was " + dropout + ". Use dropout(0.0).");
    }
    return problems.build();
  }
}
