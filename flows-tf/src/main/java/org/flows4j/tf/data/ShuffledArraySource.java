package org.flows4j.tf.data;

import com.google.common.base.Preconditions;
import java.util.SplittableRandom;
import org.flows4j.api.Shape;

/**
 * Batches from an in-memory array of examples, in a fresh seeded permutation every epoch. Batch {@code i} is a pure
 * function of {@code i}: epoch and offset follow from it, and each epoch's permutation from the seed.
 */
final class ShuffledArraySource implements DataSource {
  private final float[] values;
  private final Shape shape;
  private final int count;
  private final long seed;
  private int cachedEpoch = -1;
  private int[] cachedOrder = new int[0];

  ShuffledArraySource(float[] values, Shape shape, long seed) {
    int d = shape.size();
    Preconditions.checkArgument(values.length > 0 && values.length % d == 0,
        "the array must hold whole examples of shape %s (a non-zero multiple of %s floats), but has %s floats",
        shape, d, values.length);
    this.values = values;
    this.shape = shape;
    this.count = values.length / d;
    this.seed = seed;
  }

  @Override
  public Shape shape() {
    return shape;
  }

  @Override
  public float[] batch(long index, int size) {
    Preconditions.checkArgument(size > 0 && size <= count,
        "batch size must be in [1, %s] (the number of examples), but was %s", count, size);
    Preconditions.checkArgument(index >= 0, "batch index must be >= 0, but was %s", index);
    int perEpoch = count / size;
    int epoch = (int) (index / perEpoch);
    int offset = (int) (index % perEpoch) * size;
    int[] order = order(epoch);
    int d = shape.size();
    float[] batch = new float[size * d];
    for (int i = 0; i < size; i++) {
      System.arraycopy(values, order[offset + i] * d, batch, i * d, d);
    }
    return batch;
  }

  private synchronized int[] order(int epoch) {
    if (epoch != cachedEpoch) {
      int[] order = new int[count];
      for (int i = 0; i < count; i++) {
        order[i] = i;
      }
      SplittableRandom random = new SplittableRandom(seed * 31 + epoch);
      for (int i = count - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      cachedOrder = order;
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }
}
