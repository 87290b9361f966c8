package org.flows4j.api.step;

/**
 * Which part of the input a coupling leaves unchanged (and feeds to its conditioner). The {@code _FLIPPED} twin
 * swaps the two parts, so alternating them lets every dimension be transformed.
 */
public enum Mask {
  /** Vectors: the first {@code ceil(d/2)} features pass through, the rest are transformed. */
  HALF,
  HALF_FLIPPED,
  /** Images: pixels with even {@code row + column} pass through. */
  CHECKERBOARD,
  CHECKERBOARD_FLIPPED,
  /** Images: the first {@code ceil(c/2)} channels pass through. */
  CHANNELS,
  CHANNELS_FLIPPED;

  /** The same mask with its two parts swapped. */
  public Mask flipped() {
    return switch (this) {
      case HALF -> HALF_FLIPPED;
      case HALF_FLIPPED -> HALF;
      case CHECKERBOARD -> CHECKERBOARD_FLIPPED;
      case CHECKERBOARD_FLIPPED -> CHECKERBOARD;
      case CHANNELS -> CHANNELS_FLIPPED;
      case CHANNELS_FLIPPED -> CHANNELS;
    };
  }

  public boolean isFlipped() {
    return this == HALF_FLIPPED || this == CHECKERBOARD_FLIPPED || this == CHANNELS_FLIPPED;
  }

  /** This mask when {@code flip} is true, else unchanged: handy for alternating in {@code stepsIndexed}. */
  public Mask flippedIf(boolean flip) {
    return flip ? flipped() : this;
  }
}
