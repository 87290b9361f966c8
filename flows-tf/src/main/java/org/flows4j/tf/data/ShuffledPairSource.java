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

  ShuffledPairSource(float[] x, Shape shape, float[] c, int contextWidth, long seed) {
    Preconditions.checkArgument(contextWidth >= 1, "contextWidth must be at least 1, but was %s", contextWidth);
    examples = new ShuffledArraySource(x, shape, seed);
    contexts = new ShuffledArraySource(c, Shape.of(contextWidth), seed);
    int count = x.length / shape.size();
    Preconditions.checkArgument(c.length == (long) count * contextWidth,
        "the contexts must be one row of %s values per example (%s examples, so %s floats), but are %s floats",
        contextWidth, count, (long) count * contextWidth, c.length);
    this.shape = shape;
    this.contextWidth = contextWidth;
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
