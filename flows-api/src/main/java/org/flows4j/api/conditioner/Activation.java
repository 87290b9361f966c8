package org.flows4j.api.conditioner;

/** Element-wise non-linearities for conditioner networks and residual branches. */
public enum Activation {
  RELU,
  TANH,
  ELU,
  SOFTPLUS,
  /**
   * Residual Flows' {@code x·σ(βx)/1.1} with {@code β = softplus(b)} learned per layer: 1-Lipschitz and smooth.
   * For residual blocks only.
   */
  LIPSWISH
}
