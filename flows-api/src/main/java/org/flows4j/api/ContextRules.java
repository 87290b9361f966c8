package org.flows4j.api;

import com.google.common.collect.ImmutableList;
import org.flows4j.api.data.VariationalDequantization;

/**
 * The rules of a conditional flow. Every step with a network receives the context: couplings, MADE-based MAF/IAF,
 * PixelCNN MAF (a learned projection of c in every layer, as the conditional PixelCNN) and residual blocks (c as an
 * x-independent bias of every branch map, so the block stays contractive in x). What is left to refuse is a
 * dequantization flow declaring a context of its own.
 */
final class ContextRules {
  private ContextRules() {}

  static void check(FlowSpec spec, ImmutableList.Builder<Problem> problems) {
    if (spec.dequantization() instanceof VariationalDequantization variational
        && variational.flow().context().isConditional()) {
      problems.add(new Problem("dequantization", "variational", "the dequantization flow is conditioned on the "
          + "pixels by its context network, so it cannot declare a context of its own. Remove its context(...)."));
    }
  }
}
