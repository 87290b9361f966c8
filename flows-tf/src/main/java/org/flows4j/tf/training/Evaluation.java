package org.flows4j.tf.training;

/**
 * A held-out evaluation.
 *
 * @param step optimizer steps taken when evaluated
 * @param negativeLogLikelihood mean NLL in nats per example
 * @param bitsPerDim mean NLL in bits per dimension (the papers' figure for dequantized images)
 * @param examples how many examples were evaluated
 * @param averagedWeights whether the EMA weights were used
 * @param importanceSamples K of the importance-weighted bound for discrete data (1: the plain dequantization
 *     bound, which for variational dequantization is the ELBO)
 */
public record Evaluation(long step, double negativeLogLikelihood, double bitsPerDim, int examples,
    boolean averagedWeights, int importanceSamples) {
  /** An evaluation with the plain bound (one dequantization draw per example). */
  public Evaluation(long step, double negativeLogLikelihood, double bitsPerDim, int examples,
      boolean averagedWeights) {
    this(step, negativeLogLikelihood, bitsPerDim, examples, averagedWeights, 1);
  }
}
