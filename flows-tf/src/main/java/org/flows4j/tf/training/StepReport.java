package org.flows4j.tf.training;

import org.jspecify.annotations.Nullable;

/**
 * What one call to {@link Trainer#step} did.
 *
 * @param step optimizer steps taken after this call
 * @param loss the batch's mean negative log-likelihood in nats per example (NaN when skipped)
 * @param bitsPerDim the same in bits per dimension
 * @param applied whether this batch completed an update (false while accumulating, or when skipped)
 * @param gradientNorm global norm of the averaged gradient before clipping (NaN unless applied)
 * @param learningRate the rate used by the update (NaN unless applied)
 * @param skippedBecause when the batch was skipped, the first layer (in application order) whose gradient was
 *     not finite, or "loss"; null otherwise
 */
public record StepReport(
    long step,
    double loss,
    double bitsPerDim,
    boolean applied,
    double gradientNorm,
    double learningRate,
    @Nullable String skippedBecause) {

  public boolean skipped() {
    return skippedBecause != null;
  }
}
