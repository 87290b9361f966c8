package org.flows4j.api.context;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * The context {@code c} of a conditional flow {@code p(x | c)}. Every conditioner of the flow receives the context's
 * {@link #conditionFeatures()} features next to its own input (for images, the same vector at every pixel). The
 * context is given per example as {@link #inputWidth()} numbers: the features, or the class index.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = NoContext.class, name = "none"),
  @JsonSubTypes.Type(value = FeatureContext.class, name = "features"),
  @JsonSubTypes.Type(value = ClassContext.class, name = "classes"),
})
public sealed interface ContextSpec permits NoContext, FeatureContext, ClassContext {
  /** No context: an ordinary flow {@code p(x)}. */
  static ContextSpec none() {
    return new NoContext();
  }

  /** Whether the flow is conditional. */
  @JsonIgnore
  default boolean isConditional() {
    return conditionFeatures() > 0;
  }

  /** How many numbers describe one example's context (0 without context). */
  int inputWidth();

  /** How many features every conditioner receives from the context (0 without context). */
  int conditionFeatures();
}
