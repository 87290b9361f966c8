package org.flows4j.api.context;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Arrays;
import org.flows4j.api.conditioner.Activation;

/**
 * How the raw context (features, or a class embedding) reaches the conditioners: as it is, or through an MLP shared
 * by every step.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = NoEncoder.class, name = "none"),
  @JsonSubTypes.Type(value = MlpEncoder.class, name = "mlp"),
})
public sealed interface ContextEncoder permits NoEncoder, MlpEncoder {
  /** The raw context goes to the conditioners as it is. */
  static ContextEncoder none() {
    return new NoEncoder();
  }

  /** A shared MLP: the hidden widths with ReLU, then a linear layer to {@code outputFeatures}. */
  static MlpEncoder mlp(int outputFeatures, int... hiddenWidths) {
    return new MlpEncoder(Arrays.stream(hiddenWidths).boxed().toList(), Activation.RELU, outputFeatures);
  }

  /** The features the conditioners receive, given {@code inputFeatures} raw ones. */
  int outputFeatures(int inputFeatures);
}
