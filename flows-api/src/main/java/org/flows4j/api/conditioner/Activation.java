package org.flows4j.api.conditioner;

/** Element-wise non-linearities for conditioner networks. */
public enum Activation {
  RELU,
  TANH,
  ELU,
  SOFTPLUS
}
