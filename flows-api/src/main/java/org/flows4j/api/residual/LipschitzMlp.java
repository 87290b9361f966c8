package org.flows4j.api.residual;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * {@code d → h1 → … → hk → d}, the activation between linear maps (none after the last), as in the Residual Flows
 * toy models ("4×128" is {@code [128, 128, 128, 128]}). On an image it acts on the flattened image: the paper's
 * fully connected blocks at the end of the image models.
 */
public record LipschitzMlp(List<Integer> hiddenWidths) implements ResidualBranch {
  public LipschitzMlp {
    hiddenWidths = ImmutableList.copyOf(hiddenWidths);
    Preconditions.checkArgument(!hiddenWidths.isEmpty(), "a Lipschitz MLP needs at least one hidden width");
    for (int i = 0; i < hiddenWidths.size(); i++) {
      Preconditions.checkArgument(hiddenWidths.get(i) > 0,
          "hidden widths must be positive, but hiddenWidths[%s] was %s", i, hiddenWidths.get(i));
    }
  }
}
