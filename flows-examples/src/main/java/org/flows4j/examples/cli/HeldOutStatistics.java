package org.flows4j.examples.cli;

import org.flows4j.tf.ImportanceSamples;
import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.training.TrainingRun.HeldOut;

/**
 * Mean negative log-likelihood of an exported model over held-out examples, in nats and bits/dim.
 *
 * @param examples how many examples the means are over
 */
record HeldOutStatistics(double nats, double bitsPerDim, int examples) {
  /** Rows per call into the model by default: bounds the memory of one call whatever the held-out size. */
  static final int DEFAULT_ROWS = 500;

  static HeldOutStatistics measure(FlowModel model, HeldOut heldOut) {
    return measure(model, heldOut, 1, DEFAULT_ROWS);
  }

  /**
   * With the importance-weighted bound over {@code samples} dequantization draws (1: the plain bound), with at most
   * {@code rows} rows (examples × draws) per call into the model: {@code rows / samples} examples at a time, each
   * tiled {@code samples} times, or, when one example's draws exceed {@code rows}, one example at a time with its
   * draws in chunks of {@code rows} combined exactly (see {@link ImportanceSamples}). Memory is that of one call
   * of {@code rows} rows however large {@code samples} is.
   */
  static HeldOutStatistics measure(FlowModel model, HeldOut heldOut, int samples, int rows) {
    int size = model.spec().inputShape().size();
    int perCall = Math.max(1, rows / samples);
    double logProbSum = 0;
    for (int start = 0; start < heldOut.count(); start += perCall) {
      int count = Math.min(perCall, heldOut.count() - start);
      float[] chunk = new float[count * size];
      System.arraycopy(heldOut.values(), start * size, chunk, 0, chunk.length);
      float[] logProbs = samples == 1
          ? model.logProb(chunk, count)
          : model.logProbImportanceWeighted(chunk, count, ImportanceSamples.of(samples).maxRowsPerCall(rows));
      for (float logProb : logProbs) {
        logProbSum += logProb;
      }
    }
    double nats = -logProbSum / heldOut.count();
    return new HeldOutStatistics(nats, nats / (size * Math.log(2)), heldOut.count());
  }
}
