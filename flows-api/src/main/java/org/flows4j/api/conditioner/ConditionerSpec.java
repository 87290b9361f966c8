package org.flows4j.api.conditioner;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import org.flows4j.api.Shape;

/**
 * The network a coupling uses to compute its transform parameters from the untouched half, or an autoregressive
 * step from the features before each one. A conditioner spec names only its hidden widths: the step that owns it
 * derives the input and output sizes (as nflows does). {@code mlp} and {@link PixelCnnConditioner pixelCnn} are
 * the networks of {@code maf} / {@code iaf} steps (an mlp there is built as a MADE, its weights masked);
 * {@code pixelCnn} is masked by construction and only used there.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = MlpConditioner.class, name = "mlp"),
  @JsonSubTypes.Type(value = ConvNetConditioner.class, name = "convNet"),
  @JsonSubTypes.Type(value = AttentionConvNetConditioner.class, name = "flowPlusPlus"),
  @JsonSubTypes.Type(value = PixelCnnConditioner.class, name = "pixelCnn"),
})
public sealed interface ConditionerSpec
    permits MlpConditioner, ConvNetConditioner, AttentionConvNetConditioner, PixelCnnConditioner {
  /** Whether the last layer starts at zero, so the coupling starts as the identity (Glow). */
  boolean zeroInitLastLayer();

  /** The rules this conditioner breaks for the coupling's input shape. */
  List<String> problems(Shape input);
}
