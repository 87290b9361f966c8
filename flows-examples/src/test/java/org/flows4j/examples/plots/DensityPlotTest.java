package org.flows4j.examples.plots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DensityPlotTest {
  private static final double MIN = -4;
  private static final double MAX = 4;
  private static final double BUMP_X = 1.5;
  private static final double BUMP_Y = -1;

  /** Alpha-blended on white, the sample markers stay clearly red-orange and the data markers clearly blue. */
  private static final IntPredicate SAMPLE_COLOUR = rgb -> Pixels.red(rgb) - Pixels.blue(rgb) > 60;
  private static final IntPredicate DATA_COLOUR = rgb -> Pixels.blue(rgb) - Pixels.red(rgb) > 60;

  @TempDir Path dir;

  @Test
  void gridRunsRowByRowFromTheSmallestYThroughCellCentres() {
    assertThat(DensityPlot.grid(2, 0, 2)).isDeepEqualTo(new double[][] {
      {0.5, 0.5}, {1.5, 0.5}, {0.5, 1.5}, {1.5, 1.5}});
  }

  @Test
  void heatMapIsBrightestWhereTheDensityPeaksAndIsSquare() throws IOException {
    int gridSize = 64;
    Path png = dir.resolve("density.png");

    DensityPlot.write(png, "bump", gaussianBump(gridSize), gridSize, MIN, MAX, new float[] {0, 0},
        new float[0]);

    BufferedImage image = Pixels.read(png);
    assertThat(image.getHeight()).isEqualTo(DensityPlot.PANEL_PIXELS);
    Rectangle heatMap = heatMapBounds(image);
    assertThat(heatMap.width).as("heat map width vs height").isCloseTo(heatMap.height, within(2));
    assertThat(heatMap.width).as("heat map width").isGreaterThan(DensityPlot.PANEL_PIXELS * 3 / 4);
    int[] brightest = brightestPixel(image, heatMap);
    assertThat(dataX(brightest[0], heatMap)).as("x of the brightest pixel").isCloseTo(BUMP_X, within(0.2));
    assertThat(dataY(brightest[1], heatMap)).as("y of the brightest pixel").isCloseTo(BUMP_Y, within(0.2));
    double atBump = Pixels.luminance(image.getRGB(screenX(BUMP_X, heatMap), screenY(BUMP_Y, heatMap)));
    double farAway = Pixels.luminance(image.getRGB(screenX(-2, heatMap), screenY(2, heatMap)));
    assertThat(atBump).isGreaterThan(farAway + 150);
  }

  @Test
  void samplesAndDataAppearWhereTheyAreInTheRightPanel() throws IOException {
    // Samples in a clump at (-2, -2), data in a clump at (2, -2): the lower quadrants, away from the legend.
    float[] samples = clump(-2, -2);
    float[] data = clump(2, -2);
    Path png = dir.resolve("scatter.png");

    DensityPlot.write(png, "clumps", new double[16], 4, MIN, MAX, samples, data);

    BufferedImage image = Pixels.read(png);
    int half = image.getWidth() / 2;
    int middle = half + half / 2;
    int height = image.getHeight();
    assertThat(Pixels.count(image, half, height / 2, middle, height, SAMPLE_COLOUR)).isGreaterThan(20);
    assertThat(Pixels.count(image, middle, height / 2, image.getWidth(), height, DATA_COLOUR)).isGreaterThan(20);
    assertThat(Pixels.count(image, half, height / 2, middle, height, DATA_COLOUR)).isZero();
    assertThat(Pixels.count(image, middle, height / 2, image.getWidth(), height, SAMPLE_COLOUR)).isZero();
  }

  @Test
  void withoutDataOnlyTheSamplesColourAppears() throws IOException {
    Path png = dir.resolve("no-data.png");

    DensityPlot.write(png, "samples only", new double[16], 4, MIN, MAX, clump(0, 0), new float[0]);

    BufferedImage image = Pixels.read(png);
    int half = image.getWidth() / 2;
    assertThat(Pixels.count(image, half, 0, image.getWidth(), image.getHeight(), SAMPLE_COLOUR)).isPositive();
    assertThat(Pixels.count(image, half, 0, image.getWidth(), image.getHeight(), DATA_COLOUR)).isZero();
  }

  @Test
  void rejectsALogDensityThatDoesNotMatchTheGrid() {
    assertThatThrownBy(() -> DensityPlot.write(dir.resolve("x.png"), "t", new double[99], 10, MIN, MAX,
        new float[2], new float[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("gridLogDensity.length must be gridSize * gridSize = 10 * 10 = 100, but was 99");
  }

  @Test
  void rejectsPointArraysOfOddLength() {
    assertThatThrownBy(() -> DensityPlot.write(dir.resolve("x.png"), "t", new double[4], 2, MIN, MAX,
        new float[3], new float[0]))
        .hasMessage("samples2d holds (x, y) pairs, so its length must be even, but was 3");
    assertThatThrownBy(() -> DensityPlot.write(dir.resolve("x.png"), "t", new double[4], 2, MIN, MAX,
        new float[2], new float[5]))
        .hasMessage("data2d holds (x, y) pairs, so its length must be even, but was 5");
  }

  @Test
  void rejectsAnEmptyOrInfiniteRangeAndANonPositiveGrid() {
    assertThatThrownBy(() -> DensityPlot.grid(10, 3, 3))
        .hasMessage("[min, max] must be a finite range with min < max, but was [3.0, 3.0]");
    assertThatThrownBy(() -> DensityPlot.grid(10, 0, Double.POSITIVE_INFINITY))
        .hasMessage("[min, max] must be a finite range with min < max, but was [0.0, Infinity]");
    assertThatThrownBy(() -> DensityPlot.grid(0, 0, 1)).hasMessage("gridSize must be positive, but was 0");
  }

  /**
   * log N((x, y); bump, 0.5² I), shifted down by 5000 so exp() of it underflows to 0 everywhere: the
   * picture must come from the density relative to its maximum, not from exp(log p) itself.
   */
  private static double[] gaussianBump(int gridSize) {
    double[][] points = DensityPlot.grid(gridSize, MIN, MAX);
    double[] logDensity = new double[points.length];
    for (int i = 0; i < points.length; i++) {
      double dx = points[i][0] - BUMP_X;
      double dy = points[i][1] - BUMP_Y;
      logDensity[i] = -(dx * dx + dy * dy) / (2 * 0.25) - 5000;
    }
    return logDensity;
  }

  private static float[] clump(double x, double y) {
    float[] points = new float[2 * 50];
    for (int i = 0; i < 50; i++) {
      double angle = i * 0.7;
      double radius = 0.3 * (i % 5) / 4.0;
      points[2 * i] = (float) (x + radius * Math.cos(angle));
      points[2 * i + 1] = (float) (y + radius * Math.sin(angle));
    }
    return points;
  }

  /** The bounding box of the viridis-coloured pixels in the left half: the chart around them is all grey. */
  private static Rectangle heatMapBounds(BufferedImage image) {
    int left = Integer.MAX_VALUE;
    int top = Integer.MAX_VALUE;
    int right = -1;
    int bottom = -1;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth() / 2; x++) {
        if (Pixels.chroma(image.getRGB(x, y) & 0xFFFFFF) > 40) {
          left = Math.min(left, x);
          top = Math.min(top, y);
          right = Math.max(right, x);
          bottom = Math.max(bottom, y);
        }
      }
    }
    assertThat(right).as("viridis pixels in the left panel").isNotNegative();
    return new Rectangle(left, top, right - left + 1, bottom - top + 1);
  }

  private static int[] brightestPixel(BufferedImage image, Rectangle region) {
    int[] best = {region.x, region.y};
    double bestLuminance = -1;
    for (int y = region.y; y < region.y + region.height; y++) {
      for (int x = region.x; x < region.x + region.width; x++) {
        double luminance = Pixels.luminance(image.getRGB(x, y) & 0xFFFFFF);
        if (luminance > bestLuminance) {
          bestLuminance = luminance;
          best = new int[] {x, y};
        }
      }
    }
    return best;
  }

  private static double dataX(int screenX, Rectangle heatMap) {
    return MIN + (screenX - heatMap.x + 0.5) / heatMap.width * (MAX - MIN);
  }

  private static double dataY(int screenY, Rectangle heatMap) {
    return MAX - (screenY - heatMap.y + 0.5) / heatMap.height * (MAX - MIN);
  }

  private static int screenX(double x, Rectangle heatMap) {
    return heatMap.x + (int) ((x - MIN) / (MAX - MIN) * heatMap.width);
  }

  private static int screenY(double y, Rectangle heatMap) {
    return heatMap.y + (int) ((MAX - y) / (MAX - MIN) * heatMap.height);
  }
}
