package org.flows4j.api.conditioner;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import org.flows4j.api.Shape;

/**
 * The network a coupling uses to compute its transform parameters from the untouched half. A conditioner spec
 * names only its hidden widths: the step that owns it derives the input and output sizes (as nflows does).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = MlpConditioner.class, name = "mlp"),
  @JsonSubTypes.Type(value = ConvNetConditioner.class, name = "convNet"),
  @JsonSubTypes.Type(value = AttentionConvNetConditioner.class, name = "flowPlusPlus"),
})
public sealed interface ConditionerSpec permits MlpConditioner, ConvNetConditioner, AttentionConvNetConditioner {
  /** Whether the last layer starts at zero, so the coupling starts as the identity (Glow). */
  boolean zeroInitLastLayer();

  /** The rules this conditioner breaks for the coupling's input shape. */
  List<String> problems(Shape input);
}
