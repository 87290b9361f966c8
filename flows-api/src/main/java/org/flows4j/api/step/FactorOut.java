package org.flows4j.api.step;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Objects;
import org.flows4j.api.Shape;

/**
 * Multi-scale split: the last {@code floor(c/2)} features (channels) leave the flow here and go to the latent; the
 * rest continue. With {@link FactorOutPrior#BASE} they go straight to the base distribution (volume preserving);
 * with {@link FactorOutPrior#LEARNED} through Glow's learned prior conditioned on the kept half.
 *
 * <p>JSON: {@code {"type": "factorOut"}} is the base prior (how specs were saved before learned priors existed);
 * a learned prior adds {@code "prior": "LEARNED"}.
 */
public record FactorOut(
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = FactorOut.BasePrior.class) FactorOutPrior prior)
    implements StepSpec {
  /** The value injected when JSON has no {@code "prior"}. */
  public static final String DEFAULT_PRIOR = "flows4j.factorOutPrior";

  public FactorOut {
    Objects.requireNonNull(prior, "prior");
  }

  /** A factor-out to the base distribution. */
  public FactorOut() {
    this(FactorOutPrior.BASE);
  }

  @JsonCreator
  static FactorOut fromJson(@JacksonInject(DEFAULT_PRIOR) @JsonProperty("prior") FactorOutPrior prior) {
    return new FactorOut(prior);
  }

  @Override
  public String kind() {
    return "factorOut";
  }

  /** How many features leave the flow for an input with {@code features} features. */
  public static int factoredFeatures(int features) {
    return features / 2;
  }

  @Override
  public Shape outputShape(Shape input) {
    return input.withFeatures(input.features() - factoredFeatures(input.features()));
  }

  @Override
  public boolean preservesShape() {
    return false;
  }

  @Override
  public List<String> problems(Shape input) {
    if (input.features() < 2) {
      return List.of("factorOut needs at least 2 " + (input.isImage() ? "channels" : "features")
          + " to keep one and factor one out, but the input is " + input
          + (input.isImage() ? ". Add squeeze() before it." : "."));
    }
    return List.of();
  }

  @Override
  public LogDetKind logDetKind() {
    return prior == FactorOutPrior.LEARNED ? LogDetKind.EXACT : LogDetKind.ZERO;
  }

  /** Jackson's filter for {@code "prior"}: leaves the base prior out. */
  static final class BasePrior {
    @Override
    public boolean equals(Object value) {
      return value == FactorOutPrior.BASE;
    }

    @Override
    public int hashCode() {
      return 0;
    }
  }

  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }
}
