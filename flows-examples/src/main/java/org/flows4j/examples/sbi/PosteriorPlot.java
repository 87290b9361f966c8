package org.flows4j.examples.sbi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.flows4j.examples.plots.DensityPlot;

/**
 * The picture of a neural posterior estimate for one observation: on the left the exact posterior density
 * {@code p(θ | x)} of the {@link GaussianLinearSimulator}, on the right the flow's samples of {@code q(θ | x)} drawn
 * over as many samples of the exact posterior. The window is centred on the exact posterior and spans 4.5 of its
 * largest standard deviations each way, so both panels show the same region at the posterior's own scale.
 */
public final class PosteriorPlot {
  static final int GRID = 120;
  static final double HALF_WIDTH_IN_STANDARD_DEVIATIONS = 4.5;

  private PosteriorPlot() {}

  /**
   * Writes the two panels to {@code png}.
   *
   * @param flowSamples the estimate's samples for {@code observed}, row-major {@code [n, 2]}
   */
  public static void write(Path png, GaussianLinearSimulator simulator, double[] observed, float[] flowSamples,
      long seed) throws IOException {
    GaussianLinearSimulator.Posterior exact = simulator.posterior(observed);
    double spread = Math.sqrt(Math.max(exact.covariance()[0], exact.covariance()[3]));
    double centre = (exact.mean()[0] + exact.mean()[1]) / 2;
    double reach = Math.abs(exact.mean()[0] - exact.mean()[1]) / 2 + HALF_WIDTH_IN_STANDARD_DEVIATIONS * spread;
    double min = centre - reach;
    double max = centre + reach;
    double[][] grid = DensityPlot.grid(GRID, min, max);
    double[] logDensity = new double[grid.length];
    for (int i = 0; i < grid.length; i++) {
      logDensity[i] = exact.logDensity(grid[i]);
    }
    double[] exactSamples = exact.sample(flowSamples.length / 2, seed);
    float[] reference = new float[exactSamples.length];
    for (int i = 0; i < reference.length; i++) {
      reference[i] = (float) exactSamples[i];
    }
    String title = String.format(Locale.ROOT, "posterior of θ given x = (%.2f, %.2f)", observed[0], observed[1]);
    DensityPlot.write(png, title, logDensity, GRID, min, max, flowSamples, "flow q(θ | x)", reference,
        "exact p(θ | x)");
  }
}
