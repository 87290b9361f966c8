package org.flows4j.tf.training;

/**
 * A held-out evaluation.
 *
 * @param step optimizer steps taken when evaluated
 * @param negativeLogLikelihood mean NLL in nats per example
 * @param bitsPerDim mean NLL in bits per dimension (the papers' figure for dequantized images)
 * @param examples how many examples were evaluated
 * @param averagedWeights whether the EMA weights were used
 */
public record Evaluation(
    long step, double negativeLogLikelihood, double bitsPerDim, int examples, boolean averagedWeights) {}
