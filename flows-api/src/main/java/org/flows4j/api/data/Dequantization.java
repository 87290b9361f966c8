package org.flows4j.api.data;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * How discrete data become continuous. {@link #none()} for data that are already continuous (2-D densities);
 * {@link #uniform(int)} for 8-bit images: pixels are reduced to {@code levels} values, uniform noise fills each bin,
 * and the result is scaled to [0, 1]; the likelihood of the discrete data is then bounded exactly (Theis et al.).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = NoDequantization.class, name = "none"),
  @JsonSubTypes.Type(value = UniformDequantization.class, name = "uniform"),
})
public sealed interface Dequantization permits NoDequantization, UniformDequantization {
  static Dequantization none() {
    return new NoDequantization();
  }

  /** Uniform dequantization to {@code levels} values per pixel: 256 for 8-bit data, 32 for Glow's 5-bit CelebA. */
  static Dequantization uniform(int levels) {
    return new UniformDequantization(levels);
  }
}
