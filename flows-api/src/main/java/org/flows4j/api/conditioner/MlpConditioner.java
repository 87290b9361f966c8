package org.flows4j.api.conditioner;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;

/** A fully connected network for vector inputs: {@code hiddenWidths} hidden layers, then a linear output. */
public record MlpConditioner(List<Integer> hiddenWidths, Activation activation, boolean zeroInitLastLayer)
    implements ConditionerSpec {

  public MlpConditioner {
    hiddenWidths = ImmutableList.copyOf(hiddenWidths);
    Preconditions.checkNotNull(activation, "activation");
    Preconditions.checkArgument(!hiddenWidths.isEmpty(), "an mlp conditioner needs at least one hidden width");
    for (int i = 0; i < hiddenWidths.size(); i++) {
      Preconditions.checkArgument(hiddenWidths.get(i) > 0,
          "hidden widths must be positive, but hiddenWidths[%s] was %s", i, hiddenWidths.get(i));
    }
  }

  public MlpConditioner activation(Activation newActivation) {
    return new MlpConditioner(hiddenWidths, newActivation, zeroInitLastLayer);
  }

  /** The last layer starts at zero (the default). */
  public MlpConditioner zeroInitLast() {
    return zeroInitLast(true);
  }

  public MlpConditioner zeroInitLast(boolean zeroInit) {
    return new MlpConditioner(hiddenWidths, activation, zeroInit);
  }

  @Override
  public List<String> problems(Shape input) {
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    if (activation == Activation.LIPSWISH) {
      problems.add("LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in "
          + "an mlp conditioner.");
    }
    if (!input.isVector()) {
      problems.add("an mlp conditioner needs a vector input, but the input is " + input
          + ". Use Conditioners.convNet(width) for images.");
    }
    return problems.build();
  }
}
