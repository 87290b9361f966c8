package org.flows4j.tf.data;

import com.google.common.base.Preconditions;
import org.flows4j.api.Shape;

/**
 * (x, c) pairs from two in-memory arrays. Both are read through {@link ShuffledArraySource}s with the same seed and
 * example count, so they draw the same permutation and every x stays with its own context.
 */
final class ShuffledPairSource implements ConditionalDataSource {
  private final ShuffledArraySource examples;
  private final ShuffledArraySource contexts;
  private final Shape shape;
  private final int contextWidth;

  /** The context width is {@code c.length / n}: one row of contexts per example, whatever its width. */
  ShuffledPairSource(float[] x, Shape shape, float[] c, long seed) {
    examples = new ShuffledArraySource(x, shape, seed);
    int count = x.length / shape.size();
    Preconditions.checkArgument(c.length >= count && c.length % count == 0,
        "the contexts must be one row of the same width per example (%s examples, so a multiple of %s floats), but "
            + "are %s floats", count, count, c.length);
    this.contextWidth = c.length / count;
    contexts = new ShuffledArraySource(c, Shape.of(contextWidth), seed);
    this.shape = shape;
  }

  @Override
  public Shape shape() {
    return shape;
  }

  @Override
  public int contextWidth() {
    return contextWidth;
  }

  @Override
  public ConditionalBatch batch(long index, int size) {
    return new ConditionalBatch(examples.batch(index, size), contexts.batch(index, size), size);
  }
}
