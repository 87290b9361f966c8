package org.flows4j.examples.sbi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The simulator's prior and noise statistics, and its analytic posterior checked by calibration over the joint. */
class GaussianLinearSimulatorTest {
  static final int N = 100_000;
  static final GaussianLinearSimulator SIMULATOR = GaussianLinearSimulator.standard();

  @Test
  void sameSeedSimulatesTheSamePairsAndAnotherSeedOthers() {
    assertThat(SIMULATOR.simulate(100, 3).theta()).containsExactly(SIMULATOR.simulate(100, 3).theta());
    assertThat(SIMULATOR.simulate(100, 3).x()).containsExactly(SIMULATOR.simulate(100, 3).x());
    assertThat(SIMULATOR.simulate(100, 3).x()).isNotEqualTo(SIMULATOR.simulate(100, 4).x());
  }

  @Test
  void parametersFollowThePriorAndObservationsTheLinearModelWithinFourStandardErrors() {
    GaussianLinearSimulator.Simulations s = SIMULATOR.simulate(N, 1);
    double[] a = SIMULATOR.a();
    double tau = SIMULATOR.priorScale();
    double sigma = SIMULATOR.noiseScale();
    for (int d = 0; d < 2; d++) {
      double mean = 0;
      double squares = 0;
      double residualMean = 0;
      double residualSquares = 0;
      for (int i = 0; i < N; i++) {
        double t = s.theta()[2 * i + d];
        mean += t;
        squares += t * t;
        double r = s.x()[2 * i + d] - (a[2 * d] * s.theta()[2 * i] + a[2 * d + 1] * s.theta()[2 * i + 1]);
        residualMean += r;
        residualSquares += r * r;
      }
      assertThat(Math.abs(mean / N)).as("prior mean [%d]", d).isLessThanOrEqualTo(4 * tau / Math.sqrt(N));
      assertThat(Math.abs(squares / N - tau * tau)).as("prior variance [%d]", d)
          .isLessThanOrEqualTo(4 * tau * tau * Math.sqrt(2.0 / N));
      assertThat(Math.abs(residualMean / N)).as("noise mean [%d]", d).isLessThanOrEqualTo(4 * sigma / Math.sqrt(N));
      assertThat(Math.abs(residualSquares / N - sigma * sigma)).as("noise variance [%d]", d)
          .isLessThanOrEqualTo(4 * sigma * sigma * Math.sqrt(2.0 / N));
    }
  }

  /**
   * If p(θ | x) is right, then for (θ, x) drawn from the joint, {@code z = L(x)⁻¹ (θ − m(x))} is N(0, I): mean 0
   * (standard error 1/√N), variance 1 (√(2/N)), no correlation (1/√N). The same check with the prior's spread in
   * place of the posterior covariance fails by far, so the check can tell.
   */
  @Test
  void analyticPosteriorIsCalibratedOverTheJointAndThePriorsSpreadIsNot() {
    GaussianLinearSimulator.Simulations s = SIMULATOR.simulate(N, 2);
    double[] posteriorMoments = standardizedMoments(s, false);
    double[] priorMoments = standardizedMoments(s, true);
    System.out.printf("posterior calibration: mean (%.4f, %.4f), var (%.4f, %.4f), cov %.4f; "
        + "prior spread in its place: var (%.3f, %.3f)%n", posteriorMoments[0], posteriorMoments[1], posteriorMoments[2],
        posteriorMoments[3], posteriorMoments[4], priorMoments[2], priorMoments[3]);
    double meanSe = 1 / Math.sqrt(N);
    double varSe = Math.sqrt(2.0 / N);
    assertThat(Math.abs(posteriorMoments[0])).isLessThanOrEqualTo(4 * meanSe);
    assertThat(Math.abs(posteriorMoments[1])).isLessThanOrEqualTo(4 * meanSe);
    assertThat(Math.abs(posteriorMoments[2] - 1)).isLessThanOrEqualTo(4 * varSe);
    assertThat(Math.abs(posteriorMoments[3] - 1)).isLessThanOrEqualTo(4 * varSe);
    assertThat(Math.abs(posteriorMoments[4])).isLessThanOrEqualTo(4 * meanSe);
    assertThat(Math.abs(priorMoments[2] - 1) + Math.abs(priorMoments[3] - 1)).isGreaterThan(100 * varSe);
  }

  /** Mean and variance of each coordinate of z, and their covariance. */
  private static double[] standardizedMoments(GaussianLinearSimulator.Simulations s, boolean usePrior) {
    double[] sums = new double[5];
    double tau = SIMULATOR.priorScale();
    for (int i = 0; i < N; i++) {
      double[] theta = {s.theta()[2 * i], s.theta()[2 * i + 1]};
      GaussianLinearSimulator.Posterior p = SIMULATOR.posterior(new double[] {s.x()[2 * i], s.x()[2 * i + 1]});
      double z0;
      double z1;
      if (usePrior) {
        // The posterior's mean with the prior's spread τ² I: the location is right, the shape is not.
        z0 = (theta[0] - p.mean()[0]) / tau;
        z1 = (theta[1] - p.mean()[1]) / tau;
      } else {
        double[] l = p.choleskyFactor();
        z0 = (theta[0] - p.mean()[0]) / l[0];
        z1 = (theta[1] - p.mean()[1] - l[2] * z0) / l[3];
      }
      sums[0] += z0;
      sums[1] += z1;
      sums[2] += z0 * z0;
      sums[3] += z1 * z1;
      sums[4] += z0 * z1;
    }
    for (int j = 0; j < 5; j++) {
      sums[j] /= N;
    }
    return sums;
  }

  @Test
  void posteriorSamplesHaveThePosteriorsMeanAndCovariance() {
    GaussianLinearSimulator.Posterior p = SIMULATOR.posterior(new double[] {1.2, -0.4});
    double[] samples = p.sample(N, 5);
    double m0 = 0;
    double m1 = 0;
    for (int i = 0; i < N; i++) {
      m0 += samples[2 * i];
      m1 += samples[2 * i + 1];
    }
    m0 /= N;
    m1 /= N;
    double c00 = 0;
    double c01 = 0;
    double c11 = 0;
    for (int i = 0; i < N; i++) {
      double d0 = samples[2 * i] - m0;
      double d1 = samples[2 * i + 1] - m1;
      c00 += d0 * d0;
      c01 += d0 * d1;
      c11 += d1 * d1;
    }
    double[] cov = p.covariance();
    assertThat(m0).isCloseTo(p.mean()[0], within(4 * Math.sqrt(cov[0] / N)));
    assertThat(m1).isCloseTo(p.mean()[1], within(4 * Math.sqrt(cov[3] / N)));
    assertThat(c00 / N).isCloseTo(cov[0], within(4 * cov[0] * Math.sqrt(2.0 / N)));
    assertThat(c11 / N).isCloseTo(cov[3], within(4 * cov[3] * Math.sqrt(2.0 / N)));
    assertThat(c01 / N).isCloseTo(cov[1], within(4 * Math.sqrt(cov[0] * cov[3] / N)));
    // The posterior is tilted (A is not diagonal) and narrower than the prior.
    assertThat(Math.abs(cov[1])).isGreaterThan(0.01);
    assertThat(cov[0]).isLessThan(SIMULATOR.priorScale() * SIMULATOR.priorScale());
  }

  @Test
  void posteriorLogDensityIsTheGaussianFormula() {
    GaussianLinearSimulator.Posterior p = SIMULATOR.posterior(new double[] {0.3, 0.9});
    double[] c = p.covariance();
    double det = c[0] * c[3] - c[1] * c[2];
    double[] m = p.mean();
    assertThat(p.logDensity(m)).isCloseTo(-Math.log(2 * Math.PI * Math.sqrt(det)), within(1e-12));
    double[] t = {m[0] + 0.3, m[1] - 0.2};
    double q = (c[3] * 0.09 - 2 * c[1] * 0.3 * -0.2 + c[0] * 0.04) / det; // (t − m)ᵀ Σ⁻¹ (t − m)
    assertThat(p.logDensity(t)).isCloseTo(-0.5 * q - Math.log(2 * Math.PI * Math.sqrt(det)), within(1e-12));
  }

  @Test
  void badArgumentsAreRejectedWithTheValue() {
    assertThatThrownBy(() -> new GaussianLinearSimulator(new double[] {1, 0, 0}, 1, 1))
        .hasMessage("a must hold the 4 entries of a 2x2 matrix, but has 3");
    assertThatThrownBy(() -> new GaussianLinearSimulator(new double[] {1, 0, 0, 1}, 0, 1))
        .hasMessage("priorScale must be positive and finite, but was 0.0");
    assertThatThrownBy(() -> SIMULATOR.simulate(0, 1)).hasMessage("n must be at least 1, but was 0");
  }
}
