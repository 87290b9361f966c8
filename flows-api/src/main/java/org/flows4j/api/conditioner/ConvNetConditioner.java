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
    }
    return problems.build();
  }
}
