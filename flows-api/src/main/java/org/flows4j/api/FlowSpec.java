package org.flows4j.api;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.step.StepSpec;

/**
 * A whole flow, as a value: the input shape, the levels of steps in application order (data → latent), and the
 * base distribution. Equal specs compile to equal graphs. Build one with {@link Flows}; a spec read from JSON is
 * checked by {@link FlowSpecJson} the same way.
 */
public record FlowSpec(Shape inputShape, Layout layout, List<LevelSpec> levels, BaseSpec base) {
  public FlowSpec {
    Objects.requireNonNull(inputShape, "inputShape");
    Objects.requireNonNull(layout, "layout");
    Objects.requireNonNull(base, "base");
    levels = ImmutableList.copyOf(levels);
  }

  /** Every step in application order, levels flattened. */
  public ImmutableList<StepSpec> steps() {
    ImmutableList.Builder<StepSpec> all = ImmutableList.builder();
    levels.forEach(level -> all.addAll(level.steps()));
    return all.build();
  }
}
