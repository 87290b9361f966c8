package org.flows4j.api;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.step.StepSpec;

/** One level of a flow: its steps in application order (data → latent). A sequential flow has one level. */
public record LevelSpec(List<StepSpec> steps) {
  public LevelSpec {
    steps = ImmutableList.copyOf(steps);
  }
}
