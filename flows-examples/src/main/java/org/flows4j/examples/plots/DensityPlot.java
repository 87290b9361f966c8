package org.flows4j.examples.plots;

import static com.google.common.base.Preconditions.checkArgument;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A 2-D model at a glance: its density as a heat map on the left, its samples (over the data, if given) on
 * the right, both over the same square [min, max]².
 *
 * <p>The heat map is not XChart's {@code HeatMapChart}: that draws one anti-aliased rectangle per cell, which
 * leaves a visible mesh of seams at 100 × 100, and treats x and y as categories with one tick label per
 * cell, which is unreadable. Instead the density is painted as an image into the plot area of an ordinary
 * XChart scatter chart with numeric axes, laid out exactly like the samples panel beside it.
 */
public final class DensityPlot {
  static final int PANEL_PIXELS = 480;
  private static final int MARKER_ALPHA = 140;

  private DensityPlot() {}

  /**
   * The points at which to evaluate the log-density for {@link #write}: the centres of a gridSize × gridSize
   * tiling of [min, max]², row by row from the smallest y, each row from the smallest x. Point {@code i} is
   * {@code {x, y}} with column {@code i % gridSize} and row {@code i / gridSize}.
   */
  public static double[][] grid(int gridSize, double min, double max) {
    checkGrid(gridSize, min, max);
    double[][] points = new double[gridSize * gridSize][];
    for (int row = 0; row < gridSize; row++) {
      for (int column = 0; column < gridSize; column++) {
        points[row * gridSize + column] = new double[] {
          cellCentre(column, gridSize, min, max), cellCentre(row, gridSize, min, max)};
      }
    }
    return points;
  }

  /**
   * Writes the two panels side by side.
   *
   * @param gridLogDensity log p at the points of {@link #grid(int, double, double)}, in that order; shown as
   *     p relative to its largest value on the grid
   * @param samples2d model samples as interleaved (x, y) pairs; points outside [min, max]² fall off the panel
   * @param data2d data points as interleaved (x, y) pairs, drawn beneath the samples; may be empty
   */
  public static void write(Path png, String title, double[] gridLogDensity, int gridSize, double min,
      double max, float[] samples2d, float[] data2d) throws IOException {
    write(png, title, gridLogDensity, gridSize, min, max, samples2d, "model samples", data2d, "data");
  }

  /**
   * The same with the legend's names for the two sets of points: e.g. a posterior estimate's samples over samples
   * of the exact posterior.
   */
  public static void write(Path png, String title, double[] gridLogDensity, int gridSize, double min,
      double max, float[] samples2d, String samplesName, float[] data2d, String dataName) throws IOException {
    checkGrid(gridSize, min, max);
    long gridPoints = (long) gridSize * gridSize;
    checkArgument(gridLogDensity.length == gridPoints,
        "gridLogDensity.length must be gridSize * gridSize = %s * %s = %s, but was %s",
        gridSize, gridSize, gridPoints, gridLogDensity.length);
    checkArgument(samples2d.length % 2 == 0,
        "samples2d holds (x, y) pairs, so its length must be even, but was %s", samples2d.length);
    checkArgument(data2d.length % 2 == 0,
        "data2d holds (x, y) pairs, so its length must be even, but was %s", data2d.length);
    BufferedImage density = densityPanel(title + ": density", gridLogDensity, gridSize, min, max);
    BufferedImage scatter = scatterPanel(title + ": samples", samples2d, samplesName, data2d, dataName, min, max);
    PngFiles.writeAtomically(png, sideBySide(density, scatter));
  }

  /**
   * One row of a picture per context value: the density {@code p(x | c)} on the grid, and samples drawn given c
   * over data drawn given c.
   */
  public record ContextRow(String title, double[] gridLogDensity, float[] samples2d, float[] data2d) {}

  /**
   * Writes one row per context, each the two panels of {@link #write} (density, then samples), top to bottom.
   * Each density panel is scaled to its own largest value, so rows compare shapes, not heights.
   */
  public static void writeRows(Path png, List<ContextRow> rows, int gridSize, double min, double max)
      throws IOException {
    checkGrid(gridSize, min, max);
    checkArgument(!rows.isEmpty(), "rows must not be empty");
    List<BufferedImage> images = new ArrayList<>();
    for (ContextRow row : rows) {
      checkArgument(row.gridLogDensity().length == (long) gridSize * gridSize,
          "%s: gridLogDensity.length must be gridSize * gridSize = %s, but was %s", row.title(),
          (long) gridSize * gridSize, row.gridLogDensity().length);
      checkArgument(row.samples2d().length % 2 == 0 && row.data2d().length % 2 == 0,
          "%s: samples2d and data2d hold (x, y) pairs, so their lengths must be even", row.title());
      images.add(sideBySide(densityPanel(row.title() + ": density", row.gridLogDensity(), gridSize, min, max),
          scatterPanel(row.title() + ": samples", row.samples2d(), row.data2d(), min, max)));
    }
    int width = images.stream().mapToInt(BufferedImage::getWidth).max().orElseThrow();
    int height = images.stream().mapToInt(BufferedImage::getHeight).sum();
    BufferedImage all = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = all.createGraphics();
    try {
      graphics.setColor(Color.WHITE);
      graphics.fillRect(0, 0, width, height);
      int y = 0;
      for (BufferedImage image : images) {
        graphics.drawImage(image, 0, y, null);
        y += image.getHeight();
      }
    } finally {
      graphics.dispose();
    }
    PngFiles.writeAtomically(png, all);
  }

  private static void checkGrid(int gridSize, double min, double max) {
    checkArgument(gridSize > 0, "gridSize must be positive, but was %s", gridSize);
    checkArgument(gridSize <= 46_340, "gridSize must be at most 46340 so gridSize² fits an int, but was %s",
        gridSize);
    checkArgument(Double.isFinite(min) && Double.isFinite(max) && min < max,
        "[min, max] must be a finite range with min < max, but was [%s, %s]", min, max);
  }

  private static double cellCentre(int index, int gridSize, double min, double max) {
    return min + (index + 0.5) * (max - min) / gridSize;
  }

  private static BufferedImage densityPanel(String title, double[] gridLogDensity, int gridSize, double min,
      double max) {
    XYChart chart = SquareAxes.create(title, PANEL_PIXELS, min, max);
    BufferedImage panel = BitmapEncoder.getBufferedImage(chart);
    // Only after painting does the chart know where its axes put [min, max]² on the screen.
    int left = (int) Math.round(chart.getScreenXFromChart(min));
    int right = (int) Math.round(chart.getScreenXFromChart(max));
    int top = (int) Math.round(chart.getScreenYFromChart(max));
    int bottom = (int) Math.round(chart.getScreenYFromChart(min));
    Graphics2D graphics = panel.createGraphics();
    try {
      // Bilinear, so a coarse grid reads as the smooth function it samples rather than as blocks.
      graphics.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      graphics.drawImage(DensityImage.render(gridLogDensity, gridSize), left, top, right - left,
          bottom - top, null);
    } finally {
      graphics.dispose();
    }
    return panel;
  }

  private static BufferedImage scatterPanel(String title, float[] samples2d, float[] data2d, double min,
      double max) {
    return scatterPanel(title, samples2d, "model samples", data2d, "data", min, max);
  }

  private static BufferedImage scatterPanel(String title, float[] samples2d, String samplesName, float[] data2d,
      String dataName, double min, double max) {
    XYChart chart = SquareAxes.create(title, PANEL_PIXELS, min, max);
    // Data first, so the model's samples are drawn on top of it.
    addPoints(chart, dataName, data2d, Palette.BLUE);
    addPoints(chart, samplesName, samples2d, Palette.VERMILLION);
    return BitmapEncoder.getBufferedImage(chart);
  }

  private static void addPoints(XYChart chart, String name, float[] interleaved, Color colour) {
    int pairs = interleaved.length / 2;
    double[] x = new double[pairs];
    double[] y = new double[pairs];
    int kept = 0;
    for (int i = 0; i < pairs; i++) {
      float px = interleaved[2 * i];
      float py = interleaved[2 * i + 1];
      // NaN or infinite samples (a diverged model) have no position to draw; they are left out.
      if (Float.isFinite(px) && Float.isFinite(py)) {
        x[kept] = px;
        y[kept] = py;
        kept++;
      }
    }
    if (kept == 0) {
      return;
    }
    XYSeries series = chart.addSeries(name, Arrays.copyOf(x, kept), Arrays.copyOf(y, kept));
    series.setMarker(SeriesMarkers.CIRCLE);
    series.setMarkerColor(Palette.withAlpha(colour, MARKER_ALPHA));
  }

  private static BufferedImage sideBySide(BufferedImage left, BufferedImage right) {
    BufferedImage both = new BufferedImage(left.getWidth() + right.getWidth(),
        Math.max(left.getHeight(), right.getHeight()), BufferedImage.TYPE_INT_RGB);
    Graphics2D graphics = both.createGraphics();
    try {
      graphics.setColor(Color.WHITE);
      graphics.fillRect(0, 0, both.getWidth(), both.getHeight());
      graphics.drawImage(left, 0, 0, null);
      graphics.drawImage(right, left.getWidth(), 0, null);
    } finally {
      graphics.dispose();
    }
    return both;
  }
}
