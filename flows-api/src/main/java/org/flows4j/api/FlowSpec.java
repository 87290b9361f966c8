package org.flows4j.api;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.context.NoContext;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.step.StepSpec;

/**
 * A whole flow, as a value: the input shape, the levels of steps in application order (data → latent), the base
 * distribution, how data reach the first step (dequantization, then the logit transform), and for a conditional flow
 * {@code p(x | c)} its context. Equal specs compile to equal graphs. Build one with {@link Flows}; a spec read from
 * JSON is checked by {@link FlowSpecJson} the same way.
 *
 * <p>JSON: an unconditional flow is written without {@code "context"}, and a spec without it reads as unconditional,
 * so specs saved before contexts existed still load.
 */
public record FlowSpec(
    Shape inputShape,
    Layout layout,
    List<LevelSpec> levels,
    BaseSpec base,
    Dequantization dequantization,
    LogitTransform logit,
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = FlowSpec.Unconditional.class)
        ContextSpec context) {
  /** The value injected when JSON has no {@code "context"} (see {@link FlowSpecJson}). */
  static final String NO_CONTEXT = "flows4j.noContext";

  public FlowSpec {
    Objects.requireNonNull(inputShape, "inputShape");
    Objects.requireNonNull(layout, "layout");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(dequantization, "dequantization");
    Objects.requireNonNull(logit, "logit");
    Objects.requireNonNull(context, "context");
    levels = ImmutableList.copyOf(levels);
  }

  @JsonCreator
  static FlowSpec fromJson(@JsonProperty("inputShape") Shape inputShape, @JsonProperty("layout") Layout layout,
      @JsonProperty("levels") List<LevelSpec> levels, @JsonProperty("base") BaseSpec base,
      @JsonProperty("dequantization") Dequantization dequantization, @JsonProperty("logit") LogitTransform logit,
      @JacksonInject(NO_CONTEXT) @JsonProperty("context") ContextSpec context) {
    return new FlowSpec(inputShape, layout, levels, base, dequantization, logit, context);
  }

  /** An unconditional flow. */
  public FlowSpec(Shape inputShape, Layout layout, List<LevelSpec> levels, BaseSpec base,
      Dequantization dequantization, LogitTransform logit) {
    this(inputShape, layout, levels, base, dequantization, logit, ContextSpec.none());
  }

  /** A flow on continuous data: no dequantization, no logit, no context. */
  public FlowSpec(Shape inputShape, Layout layout, List<LevelSpec> levels, BaseSpec base) {
    this(inputShape, layout, levels, base, Dequantization.none(), LogitTransform.none());
  }

  public FlowSpec withPreprocessing(Dequantization newDequantization, LogitTransform newLogit) {
    return new FlowSpec(inputShape, layout, levels, base, newDequantization, newLogit, context);
  }

  /** The same flow conditioned on {@code newContext}. */
  public FlowSpec withContext(ContextSpec newContext) {
    return new FlowSpec(inputShape, layout, levels, base, dequantization, logit, newContext);
  }

  /** Every step in application order, levels flattened. */
  public ImmutableList<StepSpec> steps() {
    ImmutableList.Builder<StepSpec> all = ImmutableList.builder();
    levels.forEach(level -> all.addAll(level.steps()));
    return all.build();
  }

  /** Jackson's filter for {@code "context"}: leaves it out when the flow is unconditional. */
  static final class Unconditional {
    @Override
    public boolean equals(Object value) {
      return value instanceof NoContext;
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }
}
