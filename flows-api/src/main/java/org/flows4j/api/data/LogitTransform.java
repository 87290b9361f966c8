package org.flows4j.api.data;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * RealNVP's logit transform of data in [0, 1]: {@code x ↦ logit(α + (1 - 2α)·x)}, which maps the bounded data to
 * the real line; its log-det is part of the likelihood. {@link #none()} leaves the data as they are.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = NoLogit.class, name = "none"),
  @JsonSubTypes.Type(value = Logit.class, name = "logit"),
})
public sealed interface LogitTransform permits NoLogit, Logit {
  static LogitTransform none() {
    return new NoLogit();
  }

  /** The logit transform with boundary {@code alpha} (RealNVP uses 0.05 on CIFAR-10, 1e-6 on MNIST). */
  static LogitTransform of(double alpha) {
    return new Logit(alpha);
  }
}
