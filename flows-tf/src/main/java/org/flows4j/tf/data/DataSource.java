package org.flows4j.tf.data;

import org.flows4j.api.Shape;

/**
 * Training batches as a pure function of their index, so a resumed run sees exactly the batches the interrupted
 * one would have (the checkpoint stores how many batches were consumed).
 */
public interface DataSource {
  /** The shape of one example. */
  Shape shape();

  /** Batch number {@code index}: {@code size} examples, row-major. */
  float[] batch(long index, int size);
}
