package org.flows4j.tf.data;

import com.google.common.base.Preconditions;
import java.util.SplittableRandom;
import org.flows4j.api.Shape;

/**
 * Batches from an in-memory set of images, in a fresh seeded permutation every epoch. Batch {@code i} is a pure
 * function of {@code i}: epoch and offset follow from it, and each epoch's permutation from the seed.
 */
public final class ImageDataSource implements DataSource {
  private final Images images;
  private final long seed;
  private int cachedEpoch = -1;
  private int[] cachedOrder = new int[0];

  public ImageDataSource(Images images, long seed) {
    this.images = images;
    this.seed = seed;
  }

  @Override
  public Shape shape() {
    return images.shape();
  }

  @Override
  public float[] batch(long index, int size) {
    Preconditions.checkArgument(size > 0 && size <= images.count(),
        "batch size must be in [1, %s] (the number of images), but was %s", images.count(), size);
    int perEpoch = images.count() / size;
    int epoch = (int) (index / perEpoch);
    int offset = (int) (index % perEpoch) * size;
    int[] order = order(epoch);
    int d = images.shape().size();
    float[] batch = new float[size * d];
    for (int i = 0; i < size; i++) {
      System.arraycopy(images.pixels(), order[offset + i] * d, batch, i * d, d);
    }
    return batch;
  }

  private int[] order(int epoch) {
    if (epoch != cachedEpoch) {
      int n = images.count();
      int[] order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      SplittableRandom random = new SplittableRandom(seed * 31 + epoch);
      for (int i = n - 1; i > 0; i--) {
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
