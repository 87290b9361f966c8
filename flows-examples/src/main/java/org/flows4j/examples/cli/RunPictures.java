package org.flows4j.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.flows4j.api.Shape;
import org.flows4j.examples.metrics.MetricsRow;
import org.flows4j.examples.plots.CurvePlot;
import org.flows4j.examples.plots.DensityPlot;
import org.flows4j.examples.plots.SampleGrid;
import org.flows4j.tf.export.FlowModel;

/** The PNGs of a run: training curves, and samples (with the density, for 2-D data) from the exported model. */
final class RunPictures {
  /** The toy densities put nearly all their mass in [-4, 4]²; a margin shows where the model leaks beyond. */
  static final double TWO_D_MIN = -4.5;
  static final double TWO_D_MAX = 4.5;
  static final int DENSITY_GRID = 120;
  static final int IMAGE_COLUMNS = 8;
  private static final double PIXEL_LEVELS = 255.0;

  private RunPictures() {}

  /**
   * Training loss and held-out loss against the step: in bits/dim for images (the papers' figure), in nats for
   * 2-D data (where bits/dim is merely nats / (2 ln 2)).
   */
  static void writeCurves(Path png, String title, List<MetricsRow> rows, boolean images) throws IOException {
    List<double[]> train = new ArrayList<>();
    List<double[]> heldOut = new ArrayList<>();
    for (MetricsRow row : rows) {
      double value = images ? row.bitsPerDim() : row.lossNats();
      (row.kind() == MetricsRow.Kind.TRAIN ? train : heldOut).add(new double[] {row.step(), value});
    }
    List<CurvePlot.Series> series = new ArrayList<>();
    series.add(series("training batch", train));
    if (!heldOut.isEmpty()) {
      series.add(series("held-out", heldOut));
    }
    CurvePlot.write(png, title, images ? "negative log-likelihood (bits/dim)" : "negative log-likelihood (nats)",
        series);
  }

  private static CurvePlot.Series series(String name, List<double[]> points) {
    double[] x = new double[points.size()];
    double[] y = new double[points.size()];
    for (int i = 0; i < points.size(); i++) {
      x[i] = points.get(i)[0];
      y[i] = points.get(i)[1];
    }
    return new CurvePlot.Series(name, x, y);
  }

  /**
   * The model's density on a grid beside {@code n} of its samples drawn over the data.
   *
   * @param data2d data points as (x, y) pairs
   */
  static void writeDensity(Path png, String title, FlowModel model, float[] data2d, int n, double temperature,
      long seed) throws IOException {
    double[][] grid = DensityPlot.grid(DENSITY_GRID, TWO_D_MIN, TWO_D_MAX);
    float[] points = new float[grid.length * 2];
    for (int i = 0; i < grid.length; i++) {
      points[2 * i] = (float) grid[i][0];
      points[2 * i + 1] = (float) grid[i][1];
    }
    float[] logProb = model.logProb(points, grid.length);
    double[] gridLogDensity = new double[logProb.length];
    for (int i = 0; i < logProb.length; i++) {
      gridLogDensity[i] = logProb[i];
    }
    float[] samples = model.sample(n, temperature, seed);
    DensityPlot.write(png, title, gridLogDensity, DENSITY_GRID, TWO_D_MIN, TWO_D_MAX, samples, data2d);
  }

  /**
   * The conditional model's density {@code p(x | c)} and {@code n} samples given c, one row per context, each over
   * {@code dataGiven(c)}: points drawn from the data given the same c.
   */
  static void writeConditionalDensities(Path png, String title, FlowModel model,
      List<ConditionalDataChoice.PictureContext> contexts, Function<float[], float[]> dataGiven, int n,
      double temperature, long seed) throws IOException {
    double[][] grid = DensityPlot.grid(DENSITY_GRID, TWO_D_MIN, TWO_D_MAX);
    float[] points = new float[grid.length * 2];
    for (int i = 0; i < grid.length; i++) {
      points[2 * i] = (float) grid[i][0];
      points[2 * i + 1] = (float) grid[i][1];
    }
    List<DensityPlot.ContextRow> rows = new ArrayList<>();
    for (ConditionalDataChoice.PictureContext context : contexts) {
      float[] logProb = model.logProb(points, repeat(context.value(), grid.length), grid.length);
      double[] gridLogDensity = new double[logProb.length];
      for (int i = 0; i < logProb.length; i++) {
        gridLogDensity[i] = logProb[i];
      }
      float[] samples = model.sample(n, repeat(context.value(), n), temperature, seed);
      rows.add(new DensityPlot.ContextRow(title + ", " + context.label(), gridLogDensity, samples,
          dataGiven.apply(context.value())));
    }
    DensityPlot.writeRows(png, rows, DENSITY_GRID, TWO_D_MIN, TWO_D_MAX);
  }

  /**
   * A grid of a conditional image model's samples, context after context (class after class): {@code perContext}
   * samples of each at {@code temperature}, drawn with the same seed for every context; with {@code columns =
   * perContext} each row is one class.
   */
  static void writeClassGrid(Path png, FlowModel model, List<ConditionalDataChoice.PictureContext> contexts,
      int perContext, double temperature, long seed, int columns) throws IOException {
    Shape shape = model.spec().inputShape();
    int size = shape.size();
    float[] all = new float[contexts.size() * perContext * size];
    for (int row = 0; row < contexts.size(); row++) {
      float[] samples = model.sample(perContext, repeat(contexts.get(row).value(), perContext), temperature, seed);
      for (int i = 0; i < samples.length; i++) {
        all[row * perContext * size + i] = (float) (samples[i] / PIXEL_LEVELS);
      }
    }
    SampleGrid.write(png, all, contexts.size() * perContext, shape, columns);
  }

  /** {@code value} repeated {@code times} times, one context row per example. */
  static float[] repeat(float[] value, int times) {
    float[] out = new float[value.length * times];
    for (int i = 0; i < times; i++) {
      System.arraycopy(value, 0, out, i * value.length, value.length);
    }
    return out;
  }

  /**
   * {@code perTemperature} samples at each temperature, one block of rows after another (so with 32 per
   * temperature and 8 columns, the first 4 rows are the first temperature).
   */
  static void writeImageSamples(Path png, FlowModel model, int perTemperature, double[] temperatures, long seed,
      int columns) throws IOException {
    Shape shape = model.spec().inputShape();
    int size = shape.size();
    float[] all = new float[perTemperature * temperatures.length * size];
    for (int t = 0; t < temperatures.length; t++) {
      float[] samples = model.sample(perTemperature, temperatures[t], seed);
      for (int i = 0; i < samples.length; i++) {
        // Samples are in data units, 8-bit pixel values; the grid wants [0, 1] and clamps what overshoots.
        all[t * perTemperature * size + i] = (float) (samples[i] / PIXEL_LEVELS);
      }
    }
    SampleGrid.write(png, all, perTemperature * temperatures.length, shape, columns);
  }
}
