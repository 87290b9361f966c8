package org.flows4j.api.residual;

import com.google.common.base.Preconditions;

/**
 * For images, the Residual Flows block: {@code [act →] 3×3 conv(width) → act → 1×1 conv(width) → act → 3×3
 * conv(channels)}, "same" padding; {@code preActivation} puts the activation first, as the paper's image models do.
 */
public record LipschitzConvNet(int width, boolean preActivation) implements ResidualBranch {
  public LipschitzConvNet {
    Preconditions.checkArgument(width > 0, "width must be positive, but was %s", width);
  }
}
