package org.flows4j.tf.data;

import org.flows4j.api.Shape;

/**
 * Training pairs (x, c) for a conditional flow {@code p(x | c)}, as a pure function of the batch index (like
 * {@link DataSource}), so a resumed run sees exactly the batches the interrupted one would have.
 *
 * <p>For pairs already in memory use {@link DataSources#ofArrays(float[], Shape, float[], long)}; for the 2-D
 * conditional toy densities, {@link ConditionalToyDataSource}.
 */
public interface ConditionalDataSource {
  /** The shape of one example x, which must equal the flow's input shape. */
  Shape shape();

  /** Numbers per context, which must equal the spec's {@code context().inputWidth()} (1 for a class index). */
  int contextWidth();

  /**
   * Batch number {@code index}: {@code size} examples and their contexts, row-major. The same index must always
   * give the same pairs.
   */
  ConditionalBatch batch(long index, int size);
}
