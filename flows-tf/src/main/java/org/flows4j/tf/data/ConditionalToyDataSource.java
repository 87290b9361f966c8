package org.flows4j.tf.data;

import org.flows4j.api.Shape;

/**
 * Fresh (x, c) pairs from a conditional toy density for every batch, as a pure function of the batch index (like
 * {@link ToyDataSource}), so a resumed run sees the batches the interrupted one would have.
 */
public record ConditionalToyDataSource(ConditionalToyDensity density, long seed) implements ConditionalDataSource {
  public ConditionalToyDataSource {
    java.util.Objects.requireNonNull(density, "density");
  }

  @Override
  public Shape shape() {
    return Shape.of(2);
  }

  @Override
  public int contextWidth() {
    return density.contextFeatures();
  }

  /** Batch number {@code index}: {@code size} pairs. */
  @Override
  public ConditionalBatch batch(long index, int size) {
    return density.sample(size, new java.util.SplittableRandom(seed * 1_000_003L + index));
  }
}
