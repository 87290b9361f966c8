package org.flows4j.tf.training;

/** Thrown when too many consecutive steps had a non-finite loss or gradient. */
public final class TrainingDivergedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  TrainingDivergedException(int consecutive, long step, String firstOffender) {
    super("training stopped: " + consecutive + " consecutive steps had a non-finite loss or gradient (last at step "
        + step + ", first non-finite: " + firstOffender + "). Updates were skipped, so the weights are those of "
        + "the last good step. Known fixes: lower the learning rate, use more warm-up steps, clip the gradient "
        + "norm, or check the data for extreme values.");
  }
}
