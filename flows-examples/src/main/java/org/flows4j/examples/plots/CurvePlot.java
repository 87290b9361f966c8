package org.flows4j.examples.plots;

import static com.google.common.base.Preconditions.checkArgument;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line charts of numbers against training progress, such as the training loss and held-out bits/dim. */
public final class CurvePlot {
  static final int WIDTH_PIXELS = 800;
  static final int HEIGHT_PIXELS = 500;

  /**
   * Series with at most this many points get a marker on each point: those are the sparse ones (a metric
   * evaluated every few hundred steps), where the reader wants to see where the measurements are, and a
   * single-point series would otherwise be invisible.
   */
  static final int MARKED_POINTS_LIMIT = 50;

  private CurvePlot() {}

  /** One named curve: {@code y[i]} at {@code x[i]}. The arrays are copied in and out. */
  public record Series(String name, double[] x, double[] y) {
    public Series {
      checkArgument(!name.isBlank(), "the series name must not be blank, but was \"%s\"", name);
      checkArgument(x.length == y.length,
          "x and y must have the same length, but series \"%s\" has x.length %s and y.length %s",
          name, x.length, y.length);
      x = x.clone();
      y = y.clone();
    }

    @Override
    public double[] x() {
      return x.clone();
    }

    @Override
    public double[] y() {
      return y.clone();
    }

    // A record compares arrays by identity; two series with the same numbers should be equal.
    @Override
    public boolean equals(Object other) {
      return other instanceof Series that && name.equals(that.name) && Arrays.equals(x, that.x)
          && Arrays.equals(y, that.y);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * name.hashCode() + Arrays.hashCode(x)) + Arrays.hashCode(y);
    }

    @Override
    public String toString() {
      return "Series[name=" + name + ", x=" + Arrays.toString(x) + ", y=" + Arrays.toString(y) + "]";
    }
  }

  /** Writes the series as lines against "step". */
  public static void write(Path png, String title, String yLabel, List<Series> series) throws IOException {
    write(png, title, "step", yLabel, series);
  }

  /**
   * Writes the series as lines, each in its own colour, with a legend.
   *
   * <p>Points where x or y is NaN or infinite are left out, and the line joins their neighbours. A run that
   * diverges produces exactly such points, and its curve up to then is what one wants to look at; XChart
   * would otherwise either reject the series or stretch the axis to infinity and flatten everything else.
   */
  public static void write(Path png, String title, String xLabel, String yLabel, List<Series> series)
      throws IOException {
    checkArgument(!series.isEmpty(), "series must not be empty: give at least one curve to plot");
    Set<String> names = new HashSet<>();
    for (Series one : series) {
      checkArgument(names.add(one.name()), "series names must be distinct, but \"%s\" appears more than once",
          one.name());
    }
    XYChart chart = new XYChartBuilder().width(WIDTH_PIXELS).height(HEIGHT_PIXELS)
        .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    XYStyler styler = chart.getStyler();
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Line);
    styler.setLegendPosition(LegendPosition.InsideNE);
    styler.setMarkerSize(5);
    List<String> nothingToPlot = new ArrayList<>();
    for (int i = 0; i < series.size(); i++) {
      if (!addFinitePoints(chart, series.get(i), Palette.series(i))) {
        nothingToPlot.add(series.get(i).name());
      }
    }
    // XChart refuses a series without points, yet a curve that is still empty (no evaluation yet) or wholly
    // NaN (diverged at once) is news the reader should get rather than a silently missing legend entry.
    chart.setTitle(nothingToPlot.isEmpty() ? title
        : title + " (no finite points: " + String.join(", ", nothingToPlot) + ")");
    PngFiles.writeAtomically(png, BitmapEncoder.getBufferedImage(chart));
  }

  /** Adds the finite points of {@code series} to the chart, if it has any, and says whether it had any. */
  private static boolean addFinitePoints(XYChart chart, Series series, Color colour) {
    double[] x = series.x;
    double[] y = series.y;
    double[] keptX = new double[x.length];
    double[] keptY = new double[y.length];
    int kept = 0;
    for (int i = 0; i < x.length; i++) {
      if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
        keptX[kept] = x[i];
        keptY[kept] = y[i];
        kept++;
      }
    }
    if (kept == 0) {
      return false;
    }
    XYSeries line = chart.addSeries(series.name(), Arrays.copyOf(keptX, kept), Arrays.copyOf(keptY, kept));
    line.setLineColor(colour);
    line.setMarkerColor(colour);
    line.setMarker(kept <= MARKED_POINTS_LIMIT ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
    return true;
  }
}
