package org.flows4j.tf.data;

import org.flows4j.api.Shape;

/** Fresh draws from a 2-D toy density for every batch (an endless training set). */
public record ToyDataSource(ToyDensity density, long seed) implements DataSource {
  public ToyDataSource {
    java.util.Objects.requireNonNull(density, "density");
  }

  @Override
  public Shape shape() {
    return Shape.of(2);
  }

  @Override
  public float[] batch(long index, int size) {
    return density.sampleFlat(size, new java.util.SplittableRandom(seed * 1_000_003L + index));
  }
}
