package org.flows4j.examples.plots;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The viridis colour map (van der Walt and Smith), for densities: it is perceptually uniform and its lightness
 * rises monotonically, so "brighter" reads as "denser" on any screen and in greyscale print.
 */
final class Viridis {
  /** Nine evenly spaced samples of viridis from 0 to 1; between them we interpolate linearly in sRGB. */
  private static final int[] STOPS = {
    0x440154, 0x472D7B, 0x3B528B, 0x2C728E, 0x21908C, 0x27AD81, 0x5DC863, 0xAADC32, 0xFDE725,
  };

  private Viridis() {}

  /** The packed 0xRRGGBB colour for {@code t} in [0, 1]. */
  static int rgb(double t) {
    checkArgument(t >= 0 && t <= 1, "t must be in [0, 1], but was %s", t);
    double position = t * (STOPS.length - 1);
    int lower = Math.min((int) position, STOPS.length - 2);
    double fraction = position - lower;
    return mix(STOPS[lower], STOPS[lower + 1], fraction);
  }

  private static int mix(int from, int to, double fraction) {
    int rgb = 0;
    for (int shift = 16; shift >= 0; shift -= 8) {
      int a = (from >> shift) & 0xFF;
      int b = (to >> shift) & 0xFF;
      rgb |= (int) Math.round(a + (b - a) * fraction) << shift;
    }
    return rgb;
  }
}
