package org.flows4j.api.step;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import org.flows4j.api.Shape;

/**
 * One step of a flow. "Forward" maps data to latent. Each step knows its output shape and the rules its input
 * shape must satisfy, so a whole spec is checked before anything is compiled.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ActNorm.class, name = "actNorm"),
  @JsonSubTypes.Type(value = AdditiveCoupling.class, name = "additiveCoupling"),
  @JsonSubTypes.Type(value = AffineCoupling.class, name = "affineCoupling"),
  @JsonSubTypes.Type(value = InvertibleConv1x1.class, name = "invertibleConv1x1"),
  @JsonSubTypes.Type(value = Reverse.class, name = "reverse"),
  @JsonSubTypes.Type(value = Shuffle.class, name = "shuffle"),
  @JsonSubTypes.Type(value = Squeeze.class, name = "squeeze"),
  @JsonSubTypes.Type(value = FactorOut.class, name = "factorOut"),
  @JsonSubTypes.Type(value = ResidualBlock.class, name = "residualBlock"),
  @JsonSubTypes.Type(value = MaskedAutoregressive.class, name = "maskedAutoregressive"),
  @JsonSubTypes.Type(value = EmergingConv.class, name = "emergingConv"),
  @JsonSubTypes.Type(value = PeriodicConv.class, name = "periodicConv"),
  @JsonSubTypes.Type(value = MixtureLogisticsCoupling.class, name = "mixtureLogisticsCoupling"),
  @JsonSubTypes.Type(value = Coupling.class, name = "coupling"),
})
public sealed interface StepSpec
    permits ActNorm, CouplingStep, InvertibleConv1x1, Reverse, Shuffle, Squeeze, FactorOut, ResidualBlock,
        MaskedAutoregressive, EmergingConv, PeriodicConv {

  /** The DSL name of the step, as used in error messages ({@code affineCoupling}). */
  String kind();

  /** Shape of the output for a valid input shape. Only called when {@link #problems} is empty. */
  default Shape outputShape(Shape input) {
    return input;
  }

  /**
   * Whether {@link #outputShape} always returns its input. Validation uses it to keep checking the steps after a
   * broken one only when the broken step could not have changed the shape they see.
   */
  default boolean preservesShape() {
    return true;
  }

  /**
   * The rules this step breaks for the given input shape, each a sentence saying what rule, what it got and how
   * to fix it. Empty when the step accepts the input.
   */
  List<String> problems(Shape input);

  /** What kind of log-determinant the step has (TFP's vocabulary: exact, constant, zero, estimated). */
  LogDetKind logDetKind();

  /** Whether the inverse is closed-form or iterative. */
  InverseKind inverseKind();
}
