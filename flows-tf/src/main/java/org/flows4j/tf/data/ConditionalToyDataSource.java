package org.flows4j.tf.data;

/**
 * Fresh (x, c) pairs from a conditional toy density for every batch, as a pure function of the batch index (like
 * {@link ToyDataSource}), so a resumed run sees the batches the interrupted one would have.
 */
public record ConditionalToyDataSource(ConditionalToyDensity density, long seed) {
  public ConditionalToyDataSource {
    java.util.Objects.requireNonNull(density, "density");
  }

  /** Batch number {@code index}: {@code size} pairs. */
  public ConditionalBatch batch(long index, int size) {
    return density.sample(size, seed * 1_000_003L + index);
  }
}
