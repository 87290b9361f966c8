package org.flows4j.api.residual;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** How a residual block's {@code log det(I + J_g)} is computed. Build with {@link LogDet}. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ExactLogDet.class, name = "exact"),
  @JsonSubTypes.Type(value = TruncatedSeries.class, name = "truncatedSeries"),
  @JsonSubTypes.Type(value = RussianRoulette.class, name = "russianRoulette"),
})
public sealed interface LogDetEstimator permits ExactLogDet, TruncatedSeries, RussianRoulette {}
