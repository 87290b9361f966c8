package org.flows4j.tf.data;

/**
 * {@code size} pairs (x, c), row-major: {@code x} holds {@code size × features} values, {@code context} holds
 * {@code size × contextFeatures} values (a class index, written as a float, for a labelled density).
 */
public record ConditionalBatch(float[] x, float[] context, int size) {
  public ConditionalBatch {
    if (size < 1) {
      throw new IllegalArgumentException("size must be at least 1, but was " + size);
    }
    if (x.length % size != 0 || context.length % size != 0) {
      throw new IllegalArgumentException("x (" + x.length + " values) and context (" + context.length
          + " values) must both hold a whole number of rows for size " + size);
    }
  }

  /** Values per example of x. */
  public int features() {
    return x.length / size;
  }

  /** Values per example of the context. */
  public int contextFeatures() {
    return context.length / size;
  }
}
