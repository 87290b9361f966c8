package org.flows4j.api.data;

import com.google.common.base.Preconditions;

/**
 * 8-bit pixel values {@code p ∈ {0..255}} are reduced to {@code n = levels} values, {@code q = floor(p·n/256)}
 * (n-bit quantisation, as Glow does for 5-bit CelebA), then {@code y = (q + u)/n} with {@code u ~ U[0, 1)}. The
 * discrete log-likelihood bound is {@code log p(y) - D·log n}.
 */
public record UniformDequantization(int levels) implements Dequantization {
  public UniformDequantization {
    checkLevels(levels);
  }

  static void checkLevels(int levels) {
    Preconditions.checkArgument(levels >= 2 && levels <= 256 && Integer.bitCount(levels) == 1,
        "levels must be a power of two from 2 to 256 (the n of n-bit data), but was %s", levels);
  }

  /** Bits per pixel value: log2(levels). */
  public int bits() {
    return Integer.numberOfTrailingZeros(levels);
  }
}
