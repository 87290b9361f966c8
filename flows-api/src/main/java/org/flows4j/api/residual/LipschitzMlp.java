package org.flows4j.api.residual;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * {@code [act →] d → h1 → act → … → hk → act → d}: spectrally normalised linear maps with the activation between
 * them, none after the last. With {@code preActivation} (the default, as the Residual Flows code builds both its toy
 * MLPs, {@code train_toy.build_nnet}, and its image models' fully connected blocks, {@code FCNet} with
 * {@code --preact}) the activation also comes first, so the block starts with LipSwish of its input ("4×128" is
 * {@code [128, 128, 128, 128]}). On an image it acts on the flattened image: the paper's fully connected blocks at
 * the end of the image models.
 *
 * <p>The last linear map starts as the official toy code's {@code zero_init} does: PyTorch's default
 * {@code U(±1/√fan_in)} weights divided by 1000 and a {@code U(±1/√fan_in)} bias, so each block starts close to
 * a shift. Every other map starts from Glorot-uniform weights and a zero bias.
 *
 * <p>Specs saved before {@code preActivation} existed read back with it off, which is what they computed.
 */
public record LipschitzMlp(List<Integer> hiddenWidths, boolean preActivation) implements ResidualBranch {
  public LipschitzMlp {
    hiddenWidths = ImmutableList.copyOf(hiddenWidths);
    Preconditions.checkArgument(!hiddenWidths.isEmpty(), "a Lipschitz MLP needs at least one hidden width");
    for (int i = 0; i < hiddenWidths.size(); i++) {
      Preconditions.checkArgument(hiddenWidths.get(i) > 0,
          "hidden widths must be positive, but hiddenWidths[%s] was %s", i, hiddenWidths.get(i));
    }
  }

  /** The official code's MLP: with the pre-activation. */
  public LipschitzMlp(List<Integer> hiddenWidths) {
    this(hiddenWidths, true);
  }

  /** This MLP without the leading activation (the block then starts with a linear map of its input). */
  public LipschitzMlp withoutPreActivation() {
    return new LipschitzMlp(hiddenWidths, false);
  }
}
