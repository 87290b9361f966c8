package org.flows4j.api;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.InvalidTypeIdException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.google.common.base.Throwables;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.ResidualBranch;
import org.flows4j.api.step.StepSpec;

/**
 * Turns Jackson's exceptions into messages about flow specs: where in the spec (as a path like
 * {@code levels[0].steps[1]}, or a line and column for syntax errors), and what is wrong in the DSL's words.
 */
final class JsonErrors {
  private JsonErrors() {}

  /** Jackson names the redacted source in nested locations, "[Source: REDACTED (…); line: 1, column: 1]". */
  private static final Pattern SOURCE = Pattern.compile("\\[Source: [^;]*; (line: \\d+, column: \\d+)]");

  static String describe(JsonProcessingException e) {
    if (Throwables.getCausalChain(e).stream().anyMatch(StreamConstraintsException.class::isInstance)) {
      return "Invalid flow spec JSON: it is nested more than " + FlowSpecJson.MAX_NESTING_DEPTH + " levels deep, "
          + "deeper than any flow spec (is a dequantization flow nested inside another?)";
    }
    if (e instanceof StreamReadException syntax && syntax.getLocation() != null) {
      return "Malformed flow spec JSON at line " + syntax.getLocation().getLineNr() + ", column "
          + syntax.getLocation().getColumnNr() + ": " + SOURCE.matcher(e.getOriginalMessage()).replaceAll("$1");
    }
    if (e instanceof JsonMappingException mapping) {
      return "Invalid flow spec JSON" + path(mapping) + ": " + what(mapping);
    }
    return "Invalid flow spec JSON: " + e.getOriginalMessage();
  }

  /** The path of the failure, as {@code " at levels[0].steps[1]"}; empty at the top level. */
  private static String path(JsonMappingException e) {
    List<JsonMappingException.Reference> references = e.getPath();
    // When a property is unknown or missing, the last reference is that property, which the message names.
    int end = e instanceof UnrecognizedPropertyException || isMissingProperty(e)
        ? references.size() - 1
        : references.size();
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference reference : references.subList(0, Math.max(end, 0))) {
      if (reference.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(reference.getFieldName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.length() == 0 ? "" : " at " + path;
  }

  private static String what(JsonMappingException e) {
    if (e instanceof InvalidTypeIdException typeId) {
      Class<?> baseType = typeId.getBaseType().getRawClass();
      String noun = noun(baseType);
      String known = "Known " + noun + " types: " + knownTypes(baseType) + ".";
      return typeId.getTypeId() == null
          ? "missing the \"type\" of a " + noun + ". " + known
          : "unknown " + noun + " type \"" + typeId.getTypeId() + "\". " + known;
    }
    if (e instanceof UnrecognizedPropertyException property) {
      return "unknown property \"" + property.getPropertyName() + "\". Known properties: "
          + property.getKnownPropertyIds() + ".";
    }
    if (isMissingProperty(e)) {
      // Jackson's own text names its feature flag, which means nothing to someone editing a spec.
      List<JsonMappingException.Reference> references = e.getPath();
      return "missing property \"" + references.get(references.size() - 1).getFieldName() + "\".";
    }
    if (e instanceof ValueInstantiationException && e.getCause() != null && e.getCause().getMessage() != null) {
      // A record's own check, e.g. "squeeze factor must be at least 2, but was 1".
      return e.getCause().getMessage();
    }
    if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
      // Jackson's text names Java types and its own settings (CoercionConfig); say what the spec needs instead.
      String found = e instanceof InvalidFormatException format && format.getValue() != null
          ? " " + quote(format.getValue())
          : quotedValue(mismatch);
      return "expected " + expected(mismatch.getTargetType()) + ", but found " + found(mismatch) + found + ".";
    }
    return e.getOriginalMessage();
  }

  /** What a JSON value of the target type looks like, in the words of someone editing a spec. */
  private static String expected(Class<?> type) {
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "a whole number";
    }
    if (type == double.class || type == Double.class || type == float.class || type == Float.class) {
      return "a number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type.isEnum()) {
      return "one of " + Arrays.toString(type.getEnumConstants());
    }
    if (type.isArray() || java.util.Collection.class.isAssignableFrom(type) || type == Shape.class) {
      return "a list";
    }
    return "an object";
  }

  private static String found(MismatchedInputException e) {
    String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    if (message.contains("from String") || message.contains("String value")) {
      return "a string";
    }
    if (message.contains("Floating-point") || message.contains("from Floating")) {
      return "a fractional number";
    }
    if (message.contains("from Integer") || message.contains("Integer value")) {
      return "a whole number";
    }
    if (message.contains("Boolean")) {
      return "true or false";
    }
    if (message.contains("Array") || message.contains("START_ARRAY")) {
      return "a list";
    }
    if (message.contains("Object") || message.contains("START_OBJECT")) {
      return "an object";
    }
    if (message.contains("Null") || message.contains("null")) {
      return "null";
    }
    if (message.contains("out of range") || message.contains("Numeric value")) {
      return "a number out of range";
    }
    return "a value of another kind";
  }

  /** Jackson's messages quote the offending scalar as {@code value ("eight")} or {@code value (8.5)}. */
  private static final Pattern QUOTED_VALUE = Pattern.compile("value \\((\"[^\"]{0,40}\"|[-+.\\w]{1,40})\\)");

  private static String quotedValue(MismatchedInputException e) {
    java.util.regex.Matcher matcher = QUOTED_VALUE.matcher(String.valueOf(e.getOriginalMessage()));
    return matcher.find() ? " (" + matcher.group(1) + ")" : "";
  }

  private static String quote(Object value) {
    String text = String.valueOf(value);
    return "(" + (value instanceof String ? "\"" + text + "\"" : text) + ")";
  }

  private static boolean isMissingProperty(JsonMappingException e) {
    return e instanceof MismatchedInputException
        && !e.getPath().isEmpty()
        && e.getOriginalMessage() != null
        && e.getOriginalMessage().startsWith("Missing creator property");
  }

  private static String noun(Class<?> baseType) {
    if (baseType == StepSpec.class) {
      return "step";
    }
    if (baseType == ConditionerSpec.class) {
      return "conditioner";
    }
    if (baseType == BaseSpec.class) {
      return "base";
    }
    if (baseType == Dequantization.class) {
      return "dequantization";
    }
    if (baseType == LogitTransform.class) {
      return "logit transform";
    }
    if (baseType == ResidualBranch.class) {
      return "residual branch";
    }
    if (baseType == LogDetEstimator.class) {
      return "log-det estimator";
    }
    return baseType.getSimpleName();
  }

  /** Read from @JsonSubTypes, so the message cannot disagree with what is accepted. */
  private static String knownTypes(Class<?> baseType) {
    JsonSubTypes subTypes = baseType.getAnnotation(JsonSubTypes.class);
    return subTypes == null
        ? "(none)"
        : Arrays.stream(subTypes.value()).map(JsonSubTypes.Type::name).collect(Collectors.joining(", "));
  }
}
