package org.flows4j.api;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.InjectableValues;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.common.base.Preconditions;
import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.ConvWeights;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.ResidualBlock;

/**
 * Specs as JSON, for saving next to trained weights and for tools. Polymorphic parts carry a {@code "type"} named
 * like the DSL method ({@code "affineCoupling"}); shapes are bare arrays ({@code [28, 28, 1]}). Reading is
 * strict: unknown properties, missing or null values and trailing text are errors, and a spec read back is checked
 * by the same rules as {@code build()}.
 */
public final class FlowSpecJson {
  private FlowSpecJson() {}

  // The one mapper configuration. Strict reading: a typo in a hand-edited spec must fail loudly, never fall back
  // to a default.
  /**
   * The deepest JSON nesting a spec may have. The deepest real specs (Flow++ with its dequantization flow) are
   * about 12 levels deep; the bound keeps a hostile or runaway file (say a dequantization flow nested hundreds of
   * times) from overflowing the stack while it is read.
   */
  static final int MAX_NESTING_DEPTH = 64;

  private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
          .build())
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_CREATOR_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .defaultSetterInfo(JsonSetter.Value.construct(Nulls.FAIL, Nulls.FAIL))
      // Records without components (actNorm, reverse…) are written as {"type": …}.
      .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
      // A spec saved before contexts (learned factor-out priors) existed has no "context" ("prior"): it is an
      // unconditional flow (a factor-out to the base).
      .injectableValues(new InjectableValues.Std().addValue(FlowSpec.NO_CONTEXT, ContextSpec.none())
          .addValue(FactorOut.DEFAULT_PRIOR, FactorOutPrior.BASE)
          .addValue(AttentionConvNetConditioner.DEFAULT_WEIGHTS, ConvWeights.WEIGHT_NORMALIZED)
          .addValue(SpectralNormalization.DEFAULT_LEARNED_ORDERS, Boolean.FALSE)
          .addValue(ResidualBlock.DEFAULT_SERIES_PRECISION, SeriesPrecision.FULL))
      .build();

  /** Two-space indents and "\n" whatever the platform, so saved specs diff cleanly. */
  private static final ObjectWriter WRITER = MAPPER.writer(new DefaultPrettyPrinter()
      .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(DefaultPrettyPrinter.FixedSpaceIndenter.instance));

  /** The spec as pretty-printed JSON. */
  public static String toJson(FlowSpec spec) {
    Preconditions.checkNotNull(spec, "spec");
    try {
      return WRITER.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      // Specs are plain records of strings, numbers and lists: failing to write one is a bug here.
      throw new IllegalStateException("Could not write flow spec as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Reads a spec written by {@link #toJson}, and checks it as {@code build()} would.
   *
   * @throws IllegalArgumentException if the text is not JSON or not a spec; the message says where and why
   * @throws InvalidFlowSpecException if it is a spec that breaks the flow rules
   */
  public static FlowSpec fromJson(String json) {
    Preconditions.checkNotNull(json, "json");
    FlowSpec spec;
    try {
      spec = MAPPER.readValue(LegacySpecJson.upgrade(MAPPER, json), FlowSpec.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(JsonErrors.describe(e), e);
    }
    if (spec == null) {
      throw new IllegalArgumentException("Invalid flow spec JSON: expected an object, but got null");
    }
    return FlowSpecValidator.check(spec);
  }
}
