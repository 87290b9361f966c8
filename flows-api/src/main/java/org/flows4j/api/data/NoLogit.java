package org.flows4j.api.data;

/** No logit transform. */
public record NoLogit() implements LogitTransform {}
