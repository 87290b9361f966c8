package org.flows4j.api;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.flows4j.api.data.VariationalDequantization;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.StepSpec;

/**
 * The rules of a conditional flow: every step with a network must receive the context, or {@code p(x | c)} would
 * silently ignore c there. Couplings, MADE-based MAF/IAF and residual blocks (c as an x-independent bias of every
 * branch map, so the block stays contractive in x) do; PixelCNN MAF does not yet.
 */
final class ContextRules {
  private ContextRules() {}

  static void check(FlowSpec spec, ImmutableList.Builder<Problem> problems) {
    if (spec.dequantization() instanceof VariationalDequantization variational
        && variational.flow().context().isConditional()) {
      problems.add(new Problem("dequantization", "variational", "the dequantization flow is conditioned on the "
          + "pixels by its context network, so it cannot declare a context of its own. Remove its context(...)."));
    }
    if (!spec.context().isConditional()) {
      return;
    }
    boolean multiscale = spec.layout() == Layout.MULTISCALE;
    int flatIndex = 0;
    for (int l = 0; l < spec.levels().size(); l++) {
      List<StepSpec> steps = spec.levels().get(l).steps();
      for (int i = 0; i < steps.size(); i++, flatIndex++) {
        StepSpec step = steps.get(i);
        boolean pixelCnn = step instanceof MaskedAutoregressive autoregressive
            && autoregressive.conditioner() instanceof PixelCnnConditioner;
        if (pixelCnn) {
          String location = multiscale ? "levels[" + l + "].steps[" + i + "]" : "steps[" + flatIndex + "]";
          problems.add(new Problem(location, step.kind(), step.kind() + " does not receive the flow's context yet, "
              + "so p(x | c) would ignore c in this step. Use couplings, a MADE (maf/iaf on vectors) or residual blocks in a "
              + "conditional flow."));
        }
      }
    }
  }
}
