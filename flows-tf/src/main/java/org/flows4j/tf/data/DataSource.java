package org.flows4j.tf.data;

import org.flows4j.api.Shape;

/**
 * Training batches as a pure function of their index, so a resumed run sees exactly the batches the interrupted
 * one would have (the checkpoint stores how many batches were consumed).
 *
 * <p>For data already in memory use {@link DataSources#ofArray(float[], Shape)}; implement this interface for data
 * that are generated or streamed.
 */
public interface DataSource {
  /** The shape of one example, which must equal the flow's input shape. */
  Shape shape();

  /**
   * Batch number {@code index}: {@code size} examples, row-major ({@code float[size·D]} with D the example size;
   * images {@code [size, height, width, channels]}).
   *
   * @param index which batch: 0 for the first batch of a run, then 1, 2, … ({@code Trainer.batches()} before the
   *     call). Not an example offset: the source decides which examples batch {@code index} holds, and must give
   *     the same ones whenever asked for the same index
   * @param size how many examples ({@code RunOptions.batchSize()})
   */
  float[] batch(long index, int size);
}
