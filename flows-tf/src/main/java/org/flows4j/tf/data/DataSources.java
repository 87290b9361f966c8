package org.flows4j.tf.data;

import org.flows4j.api.Shape;

/** Ready-made {@link DataSource}s. */
public final class DataSources {
  private DataSources() {}

  /**
   * Batches from examples already in memory, shuffled with seed 0: see {@link #ofArray(float[], Shape, long)}.
   */
  public static DataSource ofArray(float[] values, Shape shape) {
    return ofArray(values, shape, 0);
  }

  /**
   * Batches from examples already in memory: {@code values} holds {@code values.length / shape.size()} examples
   * of {@code shape}, row-major ({@code float[n·D]}; images {@code [n, height, width, channels]}), in data units
   * (for {@code dequantize(uniform(256))}, 8-bit pixel values 0–255). Each epoch visits the examples in a fresh
   * permutation drawn from {@code seed} and the epoch number; an epoch holds {@code n / size} whole batches (the
   * remainder of a permutation is skipped), so every batch has exactly {@code size} examples. The array is not
   * copied: do not change it while training.
   *
   * @throws IllegalArgumentException when the array is empty or its length is not a multiple of the example size
   */
  public static DataSource ofArray(float[] values, Shape shape, long seed) {
    return new ShuffledArraySource(values, shape, seed);
  }

  /**
   * (x, c) pairs from examples and their contexts already in memory, for a conditional flow: {@code x} as in
   * {@link #ofArray(float[], Shape, long)}, {@code c} one row of contexts per example (the features, or the class
   * index as a number), so its width is {@code c.length / n}. Each epoch visits the pairs in a fresh permutation
   * drawn from {@code seed} and the epoch number, every x with its own context. The arrays are not copied.
   *
   * @throws IllegalArgumentException when the arrays are empty, x's length is not a multiple of the example size,
   *     or c does not hold one row of the same width per example
   */
  public static ConditionalDataSource ofArrays(float[] x, Shape shape, float[] c, long seed) {
    return new ShuffledPairSource(x, shape, c, seed);
  }
}
