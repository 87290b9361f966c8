package org.flows4j.tf.data;

import org.flows4j.api.Shape;

/**
 * Batches from an in-memory set of images, in a fresh seeded permutation every epoch: {@link
 * DataSources#ofArray(float[], Shape, long)} over the images' pixels.
 */
public final class ImageDataSource implements DataSource {
  private final DataSource pixels;

  public ImageDataSource(Images images, long seed) {
    this.pixels = new ShuffledArraySource(images.pixels(), images.shape(), seed);
  }

  @Override
  public Shape shape() {
    return pixels.shape();
  }

  @Override
  public float[] batch(long index, int size) {
    return pixels.batch(index, size);
  }
}
