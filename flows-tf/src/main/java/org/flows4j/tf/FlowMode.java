package org.flows4j.tf;

/**
 * Which estimator stochastic layers use: residual blocks train with a cheap unbiased log-det estimate and report
 * likelihoods with their evaluation estimator (more exact terms, or the exact log-det). Other layers ignore it.
 */
public enum FlowMode {
  TRAINING,
  EVALUATION
}
