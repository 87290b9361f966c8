package org.flows4j.examples.cli;

import org.flows4j.tf.export.FlowModel;
import org.flows4j.tf.training.TrainingRun.HeldOut;

/**
 * Mean negative log-likelihood of an exported model over held-out examples, in nats and bits/dim.
 *
 * @param examples how many examples the means are over
 */
record HeldOutStatistics(double nats, double bitsPerDim, int examples) {
  /** Examples per call into the model: bounds the memory of one call whatever the held-out size. */
  private static final int CHUNK = 500;

  static HeldOutStatistics measure(FlowModel model, HeldOut heldOut) {
    int size = model.spec().inputShape().size();
    double logProbSum = 0;
    double bitsSum = 0;
    for (int start = 0; start < heldOut.count(); start += CHUNK) {
      int count = Math.min(CHUNK, heldOut.count() - start);
      float[] chunk = new float[count * size];
      System.arraycopy(heldOut.values(), start * size, chunk, 0, chunk.length);
      for (float logProb : model.logProb(chunk, count)) {
        logProbSum += logProb;
      }
      for (float bits : model.bitsPerDim(chunk, count)) {
        bitsSum += bits;
      }
    }
    return new HeldOutStatistics(-logProbSum / heldOut.count(), bitsSum / heldOut.count(), heldOut.count());
  }
}
