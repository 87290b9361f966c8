package org.flows4j.examples.plots;

import java.awt.image.BufferedImage;

/** A log-density sampled on a square grid, as an image with one pixel per grid point, coloured by viridis. */
final class DensityImage {
  private DensityImage() {}

  /**
   * Colours {@code exp(logDensity)} relative to its largest value on the grid, so the densest point is the
   * top of the colour map whatever the normalisation. Row 0 of the grid (the smallest y) becomes the bottom
   * row of the image, as on a chart's y axis.
   */
  static BufferedImage render(double[] gridLogDensity, int gridSize) {
    double maxLogDensity = Double.NEGATIVE_INFINITY;
    for (double logDensity : gridLogDensity) {
      if (logDensity < Double.POSITIVE_INFINITY && logDensity > maxLogDensity) {
        maxLogDensity = logDensity;
      }
    }
    BufferedImage image = new BufferedImage(gridSize, gridSize, BufferedImage.TYPE_INT_RGB);
    for (int row = 0; row < gridSize; row++) {
      for (int column = 0; column < gridSize; column++) {
        double logDensity = gridLogDensity[row * gridSize + column];
        image.setRGB(column, gridSize - 1 - row, colour(logDensity, maxLogDensity));
      }
    }
    return image;
  }

  private static int colour(double logDensity, double maxLogDensity) {
    if (Double.isNaN(logDensity)) {
      return SampleGrid.NAN_RGB;
    }
    if (logDensity == Double.POSITIVE_INFINITY) {
      return Viridis.rgb(1);
    }
    if (maxLogDensity == Double.NEGATIVE_INFINITY) {
      return Viridis.rgb(0);
    }
    // Subtracting the maximum before exp keeps log-densities like -2000 or +800 from under- or overflowing.
    return Viridis.rgb(Math.exp(logDensity - maxLogDensity));
  }
}
