package org.flows4j.examples.plots;

import java.awt.Color;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries.XYSeriesRenderStyle;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.XYStyler;

/**
 * An empty XChart scatter chart whose axes span exactly [min, max]² over a square plot area, so a 2-D picture
 * is neither stretched nor squeezed and two such charts side by side line up.
 */
final class SquareAxes {
  private SquareAxes() {}

  /** A chart about {@code height} pixels tall whose width makes the plot area square. */
  static XYChart create(String title, int height, double min, double max) {
    // XChart lays out titles and tick labels itself, so measure where the axes land and widen or narrow once.
    XYChart probe = build(title, height, height, min, max);
    BitmapEncoder.getBufferedImage(probe);
    double plotWidth = probe.getScreenXFromChart(max) - probe.getScreenXFromChart(min);
    double plotHeight = probe.getScreenYFromChart(min) - probe.getScreenYFromChart(max);
    int width = (int) Math.round(height + plotHeight - plotWidth);
    return build(title, width, height, min, max);
  }

  private static XYChart build(String title, int width, int height, double min, double max) {
    XYChart chart = new XYChartBuilder().width(width).height(height).title(title).build();
    XYStyler styler = chart.getStyler();
    styler.setChartBackgroundColor(Color.WHITE);
    styler.setDefaultSeriesRenderStyle(XYSeriesRenderStyle.Scatter);
    // Without this XChart leaves a margin inside the axes, so [min, max] would not reach them.
    styler.setPlotContentSize(1.0);
    styler.setXAxisMin(min).setXAxisMax(max).setYAxisMin(min).setYAxisMax(max);
    styler.setLegendPosition(LegendPosition.InsideNE);
    styler.setMarkerSize(3);
    return chart;
  }
}
