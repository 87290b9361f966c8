package org.flows4j.api;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.step.StepSpec;

/**
 * A whole flow, as a value: the input shape, the levels of steps in application order (data → latent), the base
 * distribution, and how data reach the first step (dequantization, then the logit transform). Equal specs compile to equal graphs. Build one with {@link Flows}; a spec read from JSON is
 * checked by {@link FlowSpecJson} the same way.
 */
public record FlowSpec(
    Shape inputShape,
    Layout layout,
    List<LevelSpec> levels,
    BaseSpec base,
    Dequantization dequantization,
    LogitTransform logit) {
  public FlowSpec {
    Objects.requireNonNull(inputShape, "inputShape");
    Objects.requireNonNull(layout, "layout");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(dequantization, "dequantization");
    Objects.requireNonNull(logit, "logit");
    levels = ImmutableList.copyOf(levels);
  }

  /** A flow on continuous data: no dequantization, no logit. */
  public FlowSpec(Shape inputShape, Layout layout, List<LevelSpec> levels, BaseSpec base) {
    this(inputShape, layout, levels, base, Dequantization.none(), LogitTransform.none());
  }

  public FlowSpec withPreprocessing(Dequantization newDequantization, LogitTransform newLogit) {
    return new FlowSpec(inputShape, layout, levels, base, newDequantization, newLogit);
  }

  /** Every step in application order, levels flattened. */
  public ImmutableList<StepSpec> steps() {
    ImmutableList.Builder<StepSpec> all = ImmutableList.builder();
    levels.forEach(level -> all.addAll(level.steps()));
    return all.build();
  }
}
