package org.flows4j.examples.cli;

import org.flows4j.tf.ImportanceSamples;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;

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
    return measure(model, heldOut.values(), null, heldOut.count(), samples, rows);
  }

  /** The same for a conditional model: {@code -log p(x | c)} with each example's own context. */
  static HeldOutStatistics measure(FlowModel model, ConditionalBatch heldOut, int samples, int rows) {
    return measure(model, heldOut.x(), heldOut.context(), heldOut.size(), samples, rows);
  }

  private static HeldOutStatistics measure(FlowModel model, float[] values, float @Nullable [] contexts, int total,
      int samples, int rows) {
    HeldOut heldOut = new HeldOut(values, total);
    int size = model.spec().inputShape().size();
    int width = contexts == null ? 0 : contexts.length / total;
    int perCall = Math.max(1, rows / samples);
    double logProbSum = 0;
    for (int start = 0; start < heldOut.count(); start += perCall) {
      int count = Math.min(perCall, heldOut.count() - start);
      float[] chunk = new float[count * size];
      System.arraycopy(heldOut.values(), start * size, chunk, 0, chunk.length);
      ImportanceSamples draws = ImportanceSamples.of(samples).maxRowsPerCall(rows);
      float[] logProbs;
      if (contexts == null) {
        logProbs = samples == 1 ? model.logProb(chunk, count) : model.logProbImportanceWeighted(chunk, count, draws);
      } else {
        float[] c = new float[count * width];
        System.arraycopy(contexts, start * width, c, 0, c.length);
        logProbs = samples == 1 ? model.logProb(chunk, c, count)
            : model.logProbImportanceWeighted(chunk, c, count, draws);
      }
      for (float logProb : logProbs) {
        logProbSum += logProb;
      }
    }
    double nats = -logProbSum / heldOut.count();
    return new HeldOutStatistics(nats, nats / (size * Math.log(2)), heldOut.count());
  }
}
