package org.flows4j.tf.data;

import java.util.SplittableRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conditional toy densities: seeded pairs, statistics of x given c within stated standard errors, and exact
 * log-densities (they integrate to 1 over the plane, and their mean over samples is minus the known entropy).
 */
class ConditionalToyDensityTest {
  static final int N = 40_000;

  static List<ConditionalToyDensity> densities() {
    return List.of(new LabelledEightGaussians(), RadiusIndexedRing.standard());
  }

  @ParameterizedTest
  @MethodSource("densities")
  void sameSeedGivesTheSamePairsAndAnotherSeedOthers(ConditionalToyDensity density) {
    ConditionalBatch a = density.sample(1000, new SplittableRandom(7));
    ConditionalBatch b = density.sample(1000, new SplittableRandom(7));
    ConditionalBatch c = density.sample(1000, new SplittableRandom(8));
    assertThat(a.x()).containsExactly(b.x());
    assertThat(a.context()).containsExactly(b.context());
    assertThat(a.x()).isNotEqualTo(c.x());
    assertThat(a.size()).isEqualTo(1000);
    assertThat(a.features()).isEqualTo(2);
    assertThat(a.contextFeatures()).isEqualTo(density.contextFeatures()).isEqualTo(1);
  }

  @ParameterizedTest
  @MethodSource("densities")
  void dataSourceBatchesAreAPureFunctionOfTheirIndex(ConditionalToyDensity density) {
    ConditionalToyDataSource source = new ConditionalToyDataSource(density, 3);
    assertThat(source.batch(5, 64).x()).containsExactly(source.batch(5, 64).x());
    assertThat(source.batch(5, 64).x()).isNotEqualTo(source.batch(6, 64).x());
  }

  /** Riemann sum on [−6, 6]² with step 0.01; the ring's 1/r singularity at 0 carries mass ~e^−50 here. */
  @ParameterizedTest
  @MethodSource("densities")
  void logDensityIntegratesToOneForEveryContextWithin1e3(ConditionalToyDensity density) {
    double[][] contexts = density.classes() > 0
        ? new double[][] {{0}, {3}, {7}}
        : new double[][] {{1.0}, {2.0}, {3.0}};
    double step = 0.01;
    for (double[] c : contexts) {
      double mass = 0;
      for (double u = -6 + step / 2; u < 6; u += step) {
        for (double v = -6 + step / 2; v < 6; v += step) {
          mass += Math.exp(density.logDensity(u, v, c)) * step * step;
        }
      }
      System.out.printf("%s: integral of p(x | c = %s) over [-6, 6]^2 = %.6f%n",
          density.getClass().getSimpleName(), c[0], mass);
      assertThat(mass).as("mass for c = %s", c[0]).isCloseTo(1.0, org.assertj.core.api.Assertions.within(1e-3));
    }
  }

  @Test
  void labelsAreUniformAndEachClassIsItsGaussianWithinFourStandardErrors() {
    LabelledEightGaussians density = new LabelledEightGaussians();
    ConditionalBatch batch = density.sample(N, new SplittableRandom(11));
    int[] count = new int[8];
    double[][] sum = new double[8][2];
    double[] squares = new double[8];
    for (int i = 0; i < N; i++) {
      int c = (int) batch.context()[i];
      assertThat((double) batch.context()[i]).isEqualTo(c);
      count[c]++;
      sum[c][0] += batch.x()[2 * i];
      sum[c][1] += batch.x()[2 * i + 1];
    }
    for (int i = 0; i < N; i++) {
      int c = (int) batch.context()[i];
      double[] mu = LabelledEightGaussians.centre(c);
      squares[c] += Math.pow(batch.x()[2 * i] - mu[0], 2) + Math.pow(batch.x()[2 * i + 1] - mu[1], 2);
    }
    double sigma = LabelledEightGaussians.SIGMA;
    double countSe = Math.sqrt(N * (1.0 / 8) * (7.0 / 8));
    for (int c = 0; c < 8; c++) {
      double[] mu = LabelledEightGaussians.centre(c);
      assertThat(Math.abs(count[c] - N / 8.0)).as("count of class %d", c).isLessThanOrEqualTo(4 * countSe);
      double meanSe = sigma / Math.sqrt(count[c]);
      assertThat(Math.abs(sum[c][0] / count[c] - mu[0])).as("mean x0 of class %d", c).isLessThanOrEqualTo(4 * meanSe);
      assertThat(Math.abs(sum[c][1] / count[c] - mu[1])).as("mean x1 of class %d", c).isLessThanOrEqualTo(4 * meanSe);
      // E|x − μ|² = 2σ², whose estimate has standard error 2σ²/√count (a χ² with 2 degrees of freedom).
      double meanSquare = squares[c] / count[c];
      assertThat(Math.abs(meanSquare - 2 * sigma * sigma)).as("spread of class %d", c)
          .isLessThanOrEqualTo(4 * 2 * sigma * sigma / Math.sqrt(count[c]));
    }
  }

  @Test
  void meanNllIsTheGaussianEntropyAndTheMarginalIsAboutLog8Worse() {
    LabelledEightGaussians density = new LabelledEightGaussians();
    ConditionalBatch batch = density.sample(N, new SplittableRandom(12));
    double[] logP = density.logDensities(batch);
    double nll = 0;
    double nllSquares = 0;
    double marginalNll = 0;
    for (int i = 0; i < N; i++) {
      nll -= logP[i];
      nllSquares += logP[i] * logP[i];
      marginalNll -= density.marginalLogDensity(batch.x()[2 * i], batch.x()[2 * i + 1]);
    }
    nll /= N;
    marginalNll /= N;
    double se = Math.sqrt((nllSquares / N - nll * nll) / N);
    System.out.printf("labelled 8 Gaussians: conditional NLL %.4f (entropy %.4f, se %.4f), marginal NLL %.4f%n",
        nll, LabelledEightGaussians.conditionalEntropy(), se, marginalNll);
    assertThat(Math.abs(nll - LabelledEightGaussians.conditionalEntropy())).isLessThanOrEqualTo(4 * se);
    // The classes barely overlap: knowing the label is worth log 8 nats, to within 0.01.
    assertThat(marginalNll - nll).isCloseTo(Math.log(8), org.assertj.core.api.Assertions.within(0.01));
  }

  @Test
  void dropTheLabelAndItIsTheUnconditionalEightGaussians() {
    ConditionalBatch batch = new LabelledEightGaussians().sample(N, new SplittableRandom(13));
    double[][] reference = ToyDensity.EIGHT_GAUSSIANS.sample(N, new SplittableRandom(13));
    double radius = 0;
    double referenceRadius = 0;
    double radiusSquares = 0;
    for (int i = 0; i < N; i++) {
      double r = Math.hypot(batch.x()[2 * i], batch.x()[2 * i + 1]);
      radius += r;
      radiusSquares += r * r;
      referenceRadius += Math.hypot(reference[i][0], reference[i][1]);
    }
    radius /= N;
    referenceRadius /= N;
    double se = Math.sqrt((radiusSquares / N - radius * radius) / N);
    assertThat(Math.abs(radius - referenceRadius)).isLessThanOrEqualTo(4 * Math.sqrt(2) * se);
  }

  @ParameterizedTest(name = "radius {0}")
  @ValueSource(doubles = {1.0, 2.0, 3.0})
  void ringGivenARadiusHasThatMeanRadiusNoiseSigmaAndUniformAngle(double c) {
    RadiusIndexedRing ring = RadiusIndexedRing.standard();
    ConditionalBatch batch = ring.sampleGiven(new double[] {c}, N, new SplittableRandom(14));
    double radius = 0;
    double squares = 0;
    double cos = 0;
    double sin = 0;
    for (int i = 0; i < N; i++) {
      double x0 = batch.x()[2 * i];
      double x1 = batch.x()[2 * i + 1];
      double r = Math.hypot(x0, x1);
      radius += r;
      squares += (r - c) * (r - c);
      cos += x0 / r;
      sin += x1 / r;
      assertThat((double) batch.context()[i]).isEqualTo((float) c);
    }
    double sigma = ring.sigma();
    double se = sigma / Math.sqrt(N);
    assertThat(Math.abs(radius / N - c)).as("mean radius").isLessThanOrEqualTo(4 * se);
    // E(r − c)² = σ², standard error σ²·√(2/N) for a Gaussian.
    assertThat(Math.abs(squares / N - sigma * sigma)).as("radial variance")
        .isLessThanOrEqualTo(4 * sigma * sigma * Math.sqrt(2.0 / N));
    // cos θ and sin θ of a uniform angle: mean 0, standard deviation 1/√2.
    assertThat(Math.abs(cos / N)).isLessThanOrEqualTo(4 / Math.sqrt(2.0 * N));
    assertThat(Math.abs(sin / N)).isLessThanOrEqualTo(4 / Math.sqrt(2.0 * N));
  }

  @Test
  void ringRadiiFollowTheirUniformPriorAndPointsSitOnTheirOwnRadius() {
    RadiusIndexedRing ring = RadiusIndexedRing.standard();
    ConditionalBatch batch = ring.sample(N, new SplittableRandom(15));
    double mean = 0;
    double offset = 0;
    for (int i = 0; i < N; i++) {
      double c = batch.context()[i];
      assertThat(c).isBetween(1.0, 3.0);
      mean += c;
      offset += Math.hypot(batch.x()[2 * i], batch.x()[2 * i + 1]) - c;
    }
    // Uniform[1, 3]: mean 2, standard deviation 2/√12.
    assertThat(Math.abs(mean / N - 2)).isLessThanOrEqualTo(4 * (2 / Math.sqrt(12)) / Math.sqrt(N));
    assertThat(Math.abs(offset / N)).isLessThanOrEqualTo(4 * ring.sigma() / Math.sqrt(N));
  }

  @Test
  void ringMeanNllGivenTheRadiusMatchesItsExactDensityOnAFineRadialGrid() {
    // E[−log p(x | c)] = H(ρ) + E[log(2π r)]: check the Monte Carlo mean against a quadrature of the same density.
    RadiusIndexedRing ring = RadiusIndexedRing.standard();
    double c = 2.0;
    ConditionalBatch batch = ring.sampleGiven(new double[] {c}, N, new SplittableRandom(16));
    double[] logP = ring.logDensities(batch);
    double nll = 0;
    double squares = 0;
    for (double v : logP) {
      nll -= v;
      squares += v * v;
    }
    nll /= N;
    double se = Math.sqrt((squares / N - nll * nll) / N);
    double quadrature = 0;
    double dr = 1e-4;
    for (double r = dr / 2; r < 6; r += dr) {
      double logDensity = ring.logDensity(r, 0, new double[] {c});
      if (logDensity > -700) { // below that p·log p underflows to 0 anyway
        quadrature -= Math.exp(logDensity) * logDensity * 2 * Math.PI * r * dr;
      }
    }
    System.out.printf("ring c = 2: Monte Carlo NLL %.4f (se %.4f), quadrature entropy %.4f%n", nll, se, quadrature);
    assertThat(Math.abs(nll - quadrature)).isLessThanOrEqualTo(4 * se);
  }

  @Test
  void badContextsAndSizesAreRejectedWithTheValue() {
    assertThatThrownBy(() -> new LabelledEightGaussians().logDensity(0, 0, new double[] {8}))
        .hasMessage("the class must be an integer in [0, 8), but was 8.0");
    assertThatThrownBy(() -> new LabelledEightGaussians().sampleGiven(new double[] {1.5}, 3, new SplittableRandom(0)))
        .hasMessage("the class must be an integer in [0, 8), but was 1.5");
    assertThatThrownBy(() -> RadiusIndexedRing.standard().sampleGiven(new double[] {-1}, 3, new SplittableRandom(0)))
        .hasMessage("the radius must be positive and finite, but was -1.0");
    assertThatThrownBy(() -> RadiusIndexedRing.standard().sample(0, new SplittableRandom(0))).hasMessage("n must be >= 1 but was 0");
    assertThatThrownBy(() -> new RadiusIndexedRing(0, 1, 0.1))
        .hasMessage("radii must satisfy 0 < minRadius <= maxRadius < infinity, but were 0.0 and 1.0");
  }
}
