package org.flows4j.examples.sbi;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.training.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NeuralPosteriorEstimationTest {

  /**
   * Fits q(θ | x) on 20 000 simulations of the Gaussian linear simulator (300 steps of 256) and compares with the
   * exact posterior: the held-out mean {@code -log q(θ | x)} must be within 0.15 nats of the exact posterior's
   * {@code -log p(θ | x)} on the same pairs (the prior's is 1.9 nats worse), and for each of three observations the
   * mean of 4000 posterior samples must be within 0.15 of the exact posterior mean (the posterior's standard
   * deviations are ≈ 0.38, the means 0.8–1.5 from the prior's) and the variances within a factor 0.6–1.5 of the
   * exact ones (the prior's are 6–7 times larger).
   *
   * <p>Measured (300 steps, ~12 s): held-out 0.925 nats against 0.909 exact (prior 2.814); mean errors ≤ 0.052;
   * variance ratios 1.04–1.24.
   */
  @TempDir Path dir;

  @Test
  void fittedPosteriorMatchesTheExactOne() throws IOException {
    GaussianLinearSimulator simulator = GaussianLinearSimulator.standard();
    ConditionalBatch test = NeuralPosteriorEstimation.simulations(simulator, 2000, 99);
    double exactNll = 0;
    for (int i = 0; i < test.size(); i++) {
      double[] x = {test.context()[2 * i], test.context()[2 * i + 1]};
      exactNll -= simulator.posterior(x).logDensity(new double[] {test.x()[2 * i], test.x()[2 * i + 1]})
          / test.size();
    }
    double priorNll = Math.log(2 * Math.PI) + mean2(test.x());
    try (Trainer trainer = NeuralPosteriorEstimation.fit(simulator, 20_000, 300, 0)) {
      double nll = trainer.evaluate(test).negativeLogLikelihood();
      System.out.printf("NPE: held-out -log q(θ|x) %.3f nats, exact posterior %.3f, prior %.3f%n",
          nll, exactNll, priorNll);
      assertThat(nll).isLessThan(exactNll + 0.15).isGreaterThan(exactNll - 0.1);
      for (double[] observed : new double[][] {{1.0, -0.5}, {-1.5, 0.3}, {0.2, 2.0}}) {
        GaussianLinearSimulator.Posterior exact = simulator.posterior(observed);
        float[] samples = NeuralPosteriorEstimation.posteriorSamples(trainer, observed, 4000, 7);
        double[] mean = new double[2];
        double[] variance = new double[2];
        for (int i = 0; i < 4000; i++) {
          mean[0] += samples[2 * i] / 4000.0;
          mean[1] += samples[2 * i + 1] / 4000.0;
        }
        for (int i = 0; i < 4000; i++) {
          variance[0] += Math.pow(samples[2 * i] - mean[0], 2) / 4000.0;
          variance[1] += Math.pow(samples[2 * i + 1] - mean[1], 2) / 4000.0;
        }
        System.out.printf("x = (%.1f, %.1f): mean flow (%.3f, %.3f) exact (%.3f, %.3f); variances flow (%.3f, "
            + "%.3f) exact (%.3f, %.3f)%n", observed[0], observed[1], mean[0], mean[1], exact.mean()[0],
            exact.mean()[1], variance[0], variance[1], exact.covariance()[0], exact.covariance()[3]);
        assertThat(Math.abs(mean[0] - exact.mean()[0])).isLessThan(0.15);
        assertThat(Math.abs(mean[1] - exact.mean()[1])).isLessThan(0.15);
        assertThat(variance[0] / exact.covariance()[0]).isBetween(0.6, 1.5);
        assertThat(variance[1] / exact.covariance()[3]).isBetween(0.6, 1.5);
      }
      // The example's plot: the exact posterior's density beside the flow's samples over exact samples.
      Path png = dir.resolve("posterior.png");
      PosteriorPlot.write(png, simulator, new double[] {1.0, -0.5},
          NeuralPosteriorEstimation.posteriorSamples(trainer, new double[] {1.0, -0.5}, 2000, 7), 11);
      BufferedImage picture = ImageIO.read(png.toFile());
      assertThat(picture.getWidth()).as("density and samples side by side").isBetween(800, 1100);
      assertThat(picture.getHeight()).isBetween(400, 600);
      assertThat(vermillionPixels(picture)).as("the flow's samples are drawn").isGreaterThan(500);
    }
  }

  /** Pixels in the samples' colour (Palette.VERMILLION, drawn with some transparency over white or blue). */
  private static int vermillionPixels(BufferedImage picture) {
    int count = 0;
    for (int y = 0; y < picture.getHeight(); y++) {
      for (int x = picture.getWidth() / 2; x < picture.getWidth(); x++) {
        int rgb = picture.getRGB(x, y);
        int red = (rgb >> 16) & 0xFF;
        int green = (rgb >> 8) & 0xFF;
        int blue = rgb & 0xFF;
        if (red > 180 && green < 180 && red - blue > 80) {
          count++;
        }
      }
    }
    return count;
  }

  /** Half the mean squared norm of the rows: the prior N(0, I) term of {@code -log p(θ)} beyond log 2π. */
  private static double mean2(float[] theta) {
    double sum = 0;
    for (float v : theta) {
      sum += v * v;
    }
    return sum / (2.0 * (theta.length / 2));
  }
}
