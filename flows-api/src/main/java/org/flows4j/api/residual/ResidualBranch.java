package org.flows4j.api.residual;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** The network g of a residual block {@code y = x + g(x)}; every linear map in it is spectrally normalised. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = LipschitzMlp.class, name = "lipschitzMlp"),
  @JsonSubTypes.Type(value = LipschitzConvNet.class, name = "lipschitzConvNet"),
})
public sealed interface ResidualBranch permits LipschitzMlp, LipschitzConvNet {}
