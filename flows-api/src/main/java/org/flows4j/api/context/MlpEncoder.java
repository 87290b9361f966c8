package org.flows4j.api.context;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.conditioner.Activation;

/**
 * A context encoder shared by every step: {@code hiddenWidths} dense layers with {@code activation}, then a linear
 * layer to {@code outputFeatures}.
 */
public record MlpEncoder(List<Integer> hiddenWidths, Activation activation, int outputFeatures)
    implements ContextEncoder {
  public MlpEncoder {
    Preconditions.checkNotNull(hiddenWidths, "hiddenWidths");
    Preconditions.checkNotNull(activation, "activation");
    hiddenWidths = ImmutableList.copyOf(hiddenWidths);
    for (int width : hiddenWidths) {
      Preconditions.checkArgument(width >= 1, "hidden widths must be at least 1, but were %s", hiddenWidths);
    }
    Preconditions.checkArgument(
        outputFeatures >= 1, "outputFeatures must be at least 1, but was %s", outputFeatures);
    Preconditions.checkArgument(activation != Activation.LIPSWISH,
        "activation LIPSWISH is for residual blocks only; use RELU, TANH, ELU or SOFTPLUS");
  }

  @Override
  public int outputFeatures(int inputFeatures) {
    return outputFeatures;
  }
}
