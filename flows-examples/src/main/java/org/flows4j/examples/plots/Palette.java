package org.flows4j.examples.plots;

import java.awt.Color;

/**
 * Series colours from the Okabe–Ito palette, chosen because they stay distinguishable for the common forms of
 * colour blindness, and none of them is a grey that could be mistaken for the chart's own lines and text.
 */
final class Palette {
  static final Color VERMILLION = new Color(0xD55E00);
  static final Color BLUE = new Color(0x0072B2);
  static final Color BLUISH_GREEN = new Color(0x009E73);
  static final Color REDDISH_PURPLE = new Color(0xCC79A7);
  static final Color ORANGE = new Color(0xE69F00);
  static final Color SKY_BLUE = new Color(0x56B4E9);

  private static final Color[] SERIES = {BLUE, VERMILLION, BLUISH_GREEN, REDDISH_PURPLE, ORANGE, SKY_BLUE};

  private Palette() {}

  /** The colour of the {@code index}-th series; after six series the colours repeat. */
  static Color series(int index) {
    return SERIES[index % SERIES.length];
  }

  static Color withAlpha(Color colour, int alpha) {
    return new Color(colour.getRed(), colour.getGreen(), colour.getBlue(), alpha);
  }
}
