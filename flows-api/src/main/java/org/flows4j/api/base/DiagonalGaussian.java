package org.flows4j.api.base;

/** N(μ, diag(σ²)) with a learned mean and log-scale per latent scalar, initialised to N(0, I). */
public record DiagonalGaussian() implements BaseSpec {}
