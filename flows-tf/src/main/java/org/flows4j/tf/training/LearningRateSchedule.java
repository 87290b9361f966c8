package org.flows4j.tf.training;

/** What the learning rate does after the linear warm-up. */
public enum LearningRateSchedule {
  /** Stays at the base rate. */
  CONSTANT,
  /** Cosine decay from the base rate to zero at {@code totalSteps} (Loshchilov &amp; Hutter, without restarts). */
  COSINE
}
