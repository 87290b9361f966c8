package org.flows4j.tf.training;

import com.google.common.collect.ImmutableMap;
import java.util.Map;
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
 * @param seriesTerms for each residual block whose training log-det sums a power series, by location (e.g.
 *     {@code steps[1]}), the number of terms drawn for this batch (the Russian roulette's random count, or the
 *     truncated series' fixed one); empty for other flows and for skipped batches
 */
public record StepReport(
    long step,
    double loss,
    double bitsPerDim,
    boolean applied,
    double gradientNorm,
    double learningRate,
    @Nullable String skippedBecause,
    Map<String, Integer> seriesTerms) {

  public StepReport {
    seriesTerms = ImmutableMap.copyOf(seriesTerms); // keeps the blocks' order
  }

  /** A report without series terms. */
  public StepReport(long step, double loss, double bitsPerDim, boolean applied, double gradientNorm,
      double learningRate, @Nullable String skippedBecause) {
    this(step, loss, bitsPerDim, applied, gradientNorm, learningRate, skippedBecause, Map.of());
  }

  public boolean skipped() {
    return skippedBecause != null;
  }
}
