package org.flows4j.api.base;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** The base (latent) distribution, factorised over every latent scalar. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = StandardNormal.class, name = "standardNormal"),
  @JsonSubTypes.Type(value = DiagonalGaussian.class, name = "diagonalGaussian"),
  @JsonSubTypes.Type(value = StandardLogistic.class, name = "standardLogistic"),
})
public sealed interface BaseSpec permits StandardNormal, DiagonalGaussian, StandardLogistic {}
