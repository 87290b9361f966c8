package org.flows4j.api.step;

/** The distribution of the part a {@link FactorOut} sends to the latent. */
public enum FactorOutPrior {
  /** The flow's base distribution, like the rest of the latent (RealNVP). */
  BASE,
  /**
   * Glow's {@code split2d_prior}: a Gaussian whose mean and log-scale a zero-initialised convolution (a dense layer
   * on vectors) computes from the kept half, and from the flow's context in a conditional flow. Compiled as the
   * affine map {@code ε = (z₂ − μ(z₁))·exp(−log σ(z₁))} before the base, which is the same density.
   */
  LEARNED
}
