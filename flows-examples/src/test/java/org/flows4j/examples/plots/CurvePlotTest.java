package org.flows4j.examples.plots;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flows4j.examples.plots.CurvePlot.Series;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurvePlotTest {
  private static final Series LOSS = new Series("training loss", new double[] {0, 1, 2, 3, 4},
      new double[] {4.0, 3.1, 2.5, 2.2, 2.0});
  private static final Series BITS = new Series("held-out bits/dim", new double[] {0, 2, 4},
      new double[] {3.9, 2.6, 2.1});

  @TempDir Path dir;

  @Test
  void writesAPngOfTheChartSize() throws IOException {
    Path png = dir.resolve("curves/loss.png");

    CurvePlot.write(png, "training", "nats", List.of(LOSS));

    assertThat(png).isRegularFile();
    assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');
    BufferedImage image = Pixels.read(png);
    assertThat(image.getWidth()).isEqualTo(CurvePlot.WIDTH_PIXELS);
    assertThat(image.getHeight()).isEqualTo(CurvePlot.HEIGHT_PIXELS);
  }

  @Test
  void drawsEachSeriesInItsOwnColour() throws IOException {
    Path one = dir.resolve("one.png");
    Path two = dir.resolve("two.png");

    CurvePlot.write(one, "training", "nats", List.of(LOSS));
    CurvePlot.write(two, "training", "nats", List.of(LOSS, BITS));

    BufferedImage oneSeries = Pixels.read(one);
    BufferedImage twoSeries = Pixels.read(two);
    assertThat(Pixels.samePixels(oneSeries, twoSeries)).isFalse();
    assertThat(countColour(oneSeries, Palette.series(0).getRGB())).isPositive();
    assertThat(countColour(oneSeries, Palette.series(1).getRGB())).isZero();
    assertThat(countColour(twoSeries, Palette.series(1).getRGB())).isPositive();
  }

  @Test
  void leavesOutNonFinitePointsAsIfTheyWereNeverThere() throws IOException {
    Series withGaps = new Series("training loss", new double[] {0, 1, 1.5, 2, 2.5, 3, 4},
        new double[] {4.0, 3.1, Double.NaN, 2.5, Double.POSITIVE_INFINITY, 2.2, 2.0});
    Path gappy = dir.resolve("gappy.png");
    Path clean = dir.resolve("clean.png");

    CurvePlot.write(gappy, "training", "nats", List.of(withGaps));
    CurvePlot.write(clean, "training", "nats", List.of(LOSS));

    assertThat(Pixels.samePixels(Pixels.read(gappy), Pixels.read(clean))).isTrue();
  }

  @Test
  void namesSeriesWithNothingToPlotInTheTitle() throws IOException {
    Series empty = new Series("held-out bits/dim", new double[] {0, 1}, new double[] {Double.NaN, Double.NaN});
    Path withEmpty = dir.resolve("with-empty.png");
    Path expected = dir.resolve("expected.png");

    CurvePlot.write(withEmpty, "training", "nats", List.of(LOSS, empty));
    CurvePlot.write(expected, "training (no finite points: held-out bits/dim)", "nats", List.of(LOSS));

    assertThat(Pixels.samePixels(Pixels.read(withEmpty), Pixels.read(expected))).isTrue();
  }

  @Test
  void rejectsSeriesWhoseCoordinatesDoNotPairUp() {
    assertThatThrownBy(() -> new Series("loss", new double[3], new double[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("x and y must have the same length, but series \"loss\" has x.length 3 and y.length 2");
    assertThatThrownBy(() -> new Series(" ", new double[0], new double[0]))
        .hasMessage("the series name must not be blank, but was \" \"");
  }

  @Test
  void rejectsAnEmptyListAndRepeatedNames() {
    assertThatThrownBy(() -> CurvePlot.write(dir.resolve("x.png"), "t", "y", List.of()))
        .hasMessage("series must not be empty: give at least one curve to plot");
    assertThatThrownBy(() -> CurvePlot.write(dir.resolve("x.png"), "t", "y", List.of(LOSS, LOSS)))
        .hasMessage("series names must be distinct, but \"training loss\" appears more than once");
  }

  @Test
  void seriesCopiesItsArraysAndComparesThemByValue() {
    double[] x = {0, 1};
    double[] y = {5, 6};
    Series series = new Series("s", x, y);
    x[0] = 99;
    series.y()[0] = 99;

    assertThat(series.x()).containsExactly(0, 1);
    assertThat(series.y()).containsExactly(5, 6);
    assertThat(series).isEqualTo(new Series("s", new double[] {0, 1}, new double[] {5, 6}))
        .hasSameHashCodeAs(new Series("s", new double[] {0, 1}, new double[] {5, 6}));
  }

  private static int countColour(BufferedImage image, int argb) {
    int rgb = argb & 0xFFFFFF;
    return Pixels.count(image, 0, 0, image.getWidth(), image.getHeight(), pixel -> pixel == rgb);
  }
}
