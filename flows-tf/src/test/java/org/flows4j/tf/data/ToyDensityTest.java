package org.flows4j.tf.data;

import java.util.SplittableRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ToyDensityTest {

  private static final int N = 20_000;
  private static final long SEED = 42L;
  private static final double TWO_PI = 2.0 * Math.PI;

  // ------------------------------------------------------------------ common contract

  @ParameterizedTest
  @EnumSource(ToyDensity.class)
  void sameSeedGivesSamePoints(ToyDensity density) {
    assertThat(density.sample(1_000, new SplittableRandom(7L))).isDeepEqualTo(density.sample(1_000, new SplittableRandom(7L)));
    assertThat(density.sampleFlat(1_000, new SplittableRandom(7L))).containsExactly(density.sampleFlat(1_000, new SplittableRandom(7L)));
  }

  @ParameterizedTest
  @EnumSource(ToyDensity.class)
  void differentSeedsGiveDifferentPoints(ToyDensity density) {
    double[][] a = density.sample(1_000, new SplittableRandom(1L));
    double[][] b = density.sample(1_000, new SplittableRandom(2L));
    int equalRows = 0;
    for (int i = 0; i < a.length; i++) {
      if (Arrays.equals(a[i], b[i])) {
        equalRows++;
      }
    }
    assertThat(equalRows).isZero();
  }

  @ParameterizedTest
  @EnumSource(ToyDensity.class)
  void returnsNFiniteTwoDimensionalPoints(ToyDensity density) {
    double[][] points = density.sample(N, new SplittableRandom(SEED));
    assertThat(points).hasDimensions(N, 2);
    for (double[] p : points) {
      assertThat(Double.isFinite(p[0]) && Double.isFinite(p[1])).as(Arrays.toString(p)).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(ToyDensity.class)
  void staysWithinTheReferenceBoundingBox(ToyDensity density) {
    // Reference scale is [-4, 4]²; Gaussian tails may poke out a little for large n.
    double bound = density == ToyDensity.CHECKERBOARD ? 4.0 : 4.5;
    for (double[] p : density.sample(N, new SplittableRandom(SEED))) {
      assertThat(p[0]).as("x").isBetween(-bound, bound);
      assertThat(p[1]).as("y").isBetween(-bound, bound);
    }
  }

  @ParameterizedTest
  @EnumSource(ToyDensity.class)
  void sampleFlatIsRowMajorFloat32OfSample(ToyDensity density) {
    double[][] points = density.sample(257, new SplittableRandom(3L));
    float[] flat = density.sampleFlat(257, new SplittableRandom(3L));
    assertThat(flat).hasSize(2 * 257);
    for (int i = 0; i < points.length; i++) {
      assertThat(flat[2 * i]).isEqualTo((float) points[i][0]);
      assertThat(flat[2 * i + 1]).isEqualTo((float) points[i][1]);
    }
  }

  @ParameterizedTest
  @EnumSource(ToyDensity.class)
  void smallAndOddSizesGiveExactlyNPoints(ToyDensity density) {
    for (int n : new int[] {1, 2, 3, 5, 7, 9, 11}) {
      double[][] points = density.sample(n, new SplittableRandom(SEED));
      assertThat(points).as("n=%d", n).hasDimensions(n, 2);
      for (double[] p : points) {
        assertThat(Double.isFinite(p[0]) && Double.isFinite(p[1])).as("n=%d", n).isTrue();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ToyDensity.class)
  void rowOrderIsShuffledSoAPrefixIsAFairSubsample(ToyDensity density) {
    double[][] points = density.sample(N, new SplittableRandom(SEED));
    double[] whole = meanXYRadius(points, N);
    double[] prefix = meanXYRadius(points, N / 10);
    for (int i = 0; i < 3; i++) {
      assertThat(prefix[i]).as("mean of x, y, r [%d]", i).isCloseTo(whole[i], within(0.15));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void nonPositiveNIsRejectedWithTheValue(int n) {
    for (ToyDensity density : ToyDensity.values()) {
      assertThatThrownBy(() -> density.sample(n, new SplittableRandom(SEED)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Integer.toString(n));
      assertThatThrownBy(() -> density.sampleFlat(n, new SplittableRandom(SEED)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(Integer.toString(n));
    }
  }

  // ------------------------------------------------------------------ names

  @Test
  void cliNamesAreTheReferenceNames() {
    assertThat(Arrays.stream(ToyDensity.values()).map(ToyDensity::cliName))
        .containsExactly(
            "8gaussians", "checkerboard", "2spirals", "moons", "pinwheel", "rings", "circles");
  }

  @ParameterizedTest
  @EnumSource(ToyDensity.class)
  void fromCliNameRoundTrips(ToyDensity density) {
    assertThat(ToyDensity.fromCliName(density.cliName())).isSameAs(density);
  }

  @Test
  void fromCliNameIgnoresCaseAndSurroundingWhitespace() {
    assertThat(ToyDensity.fromCliName(" 8Gaussians ")).isSameAs(ToyDensity.EIGHT_GAUSSIANS);
    assertThat(ToyDensity.fromCliName("CHECKERBOARD")).isSameAs(ToyDensity.CHECKERBOARD);
  }

  @Test
  void unknownCliNameListsTheValidNames() {
    assertThatThrownBy(() -> ToyDensity.fromCliName("swissroll"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("swissroll")
        .hasMessageContaining(
            "8gaussians, checkerboard, 2spirals, moons, pinwheel, rings, circles");
    assertThatThrownBy(() -> ToyDensity.fromCliName("EIGHT_GAUSSIANS"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ per-density shape

  @Test
  void eightGaussiansClusterEvenlyAroundEightCentresOnACircle() {
    double radius = 4.0 / Math.sqrt(2.0);
    double std = 0.5 / Math.sqrt(2.0);
    int[] perCentre = new int[8];
    double sumDistance = 0;
    int close = 0;
    for (double[] p : ToyDensity.EIGHT_GAUSSIANS.sample(N, new SplittableRandom(SEED))) {
      int k = Math.floorMod((int) Math.round(Math.atan2(p[1], p[0]) / (Math.PI / 4)), 8);
      double cx = radius * Math.cos(k * Math.PI / 4);
      double cy = radius * Math.sin(k * Math.PI / 4);
      double distance = Math.hypot(p[0] - cx, p[1] - cy);
      perCentre[k]++;
      sumDistance += distance;
      if (distance < 3.4 * std) {
        close++;
      }
    }
    // Each centre: 1/8 ± 1.5% (binomial sd is 0.23%).
    for (int count : perCentre) {
      assertThat(count / (double) N).isCloseTo(1.0 / 8, within(0.015));
    }
    // Distance to the centre is Rayleigh(std): mean std·√(π/2), P(> 3.4 std) ≈ 0.3%.
    assertThat(sumDistance / N).isCloseTo(std * Math.sqrt(Math.PI / 2), within(0.03));
    assertThat(close / (double) N).isGreaterThan(0.99);
  }

  @Test
  void checkerboardFillsOnlyTheBlackSquaresEvenly() {
    int[][] cells = new int[4][4];
    for (double[] p : ToyDensity.CHECKERBOARD.sample(N, new SplittableRandom(SEED))) {
      int col = (int) Math.floor(p[0] / 2.0);
      int row = (int) Math.floor(p[1] / 2.0);
      assertThat(Math.floorMod(col + row, 2)).as("square of %s", Arrays.toString(p)).isZero();
      cells[col + 2][row + 2]++;
    }
    for (int col = 0; col < 4; col++) {
      for (int row = 0; row < 4; row++) {
        double share = cells[col][row] / (double) N;
        if ((col + row) % 2 == 0) {
          assertThat(share).as("black square %d,%d", col, row).isCloseTo(1.0 / 8, within(0.015));
        } else {
          assertThat(share).as("white square %d,%d", col, row).isZero();
        }
      }
    }
  }

  @Test
  void twoSpiralsHaveRadiusGrowingWithAngleOnTwoOppositeArms() {
    // Noise-free arms (radius r, polar angle θ): arm A has θ = π − 3r, arm B (its mirror
    // through the origin) has θ = −3r, both mod 2π, for r up to π.
    int considered = 0;
    int onArm = 0;
    int armA = 0;
    int outer = 0;
    for (double[] p : ToyDensity.TWO_SPIRALS.sample(N, new SplittableRandom(SEED))) {
      double r = Math.hypot(p[0], p[1]);
      assertThat(r).isLessThan(Math.PI + 0.6);
      if (r > 2.5) {
        outer++;
      }
      if (r < 1.0) {
        continue; // near the centre the noise dominates the angle
      }
      double theta = Math.atan2(p[1], p[0]);
      double offA = angularDistance(theta, Math.PI - 3 * r);
      double offB = angularDistance(theta, -3 * r);
      considered++;
      if (offA < offB) {
        armA++;
      }
      if (Math.min(offA, offB) < 0.6) {
        onArm++;
      }
    }
    assertThat(considered).isGreaterThan(N * 3 / 4);
    // Without the spiral law the nearer arm is off by U(0, π/2): only 38% would be within 0.6 rad.
    assertThat(onArm / (double) considered).isGreaterThan(0.75);
    assertThat(armA / (double) considered).isCloseTo(0.5, within(0.03));
    // The arms make 1.5 turns out to r = π, uniform per unit area: P(r > 2.5) ≈ 1 − (2.5/π)².
    assertThat(outer / (double) N).isCloseTo(1 - Math.pow(2.5 / Math.PI, 2), within(0.04));
  }

  @Test
  void moonsFormTwoInterleavedHalfCircles() {
    int upper = 0;
    int lower = 0;
    int close = 0;
    double[] upperMean = new double[2];
    double[] lowerMean = new double[2];
    for (double[] p : ToyDensity.MOONS.sample(N, new SplittableRandom(SEED))) {
      double toUpper = distanceToArc(p, -1.0, -0.2, true);
      double toLower = distanceToArc(p, 1.0, 0.8, false);
      if (toUpper < toLower) {
        upper++;
        upperMean[0] += p[0];
        upperMean[1] += p[1];
      } else {
        lower++;
        lowerMean[0] += p[0];
        lowerMean[1] += p[1];
      }
      if (Math.min(toUpper, toLower) < 0.6) {
        close++; // noise sd is 0.2, so 3 sd
      }
    }
    assertThat(upper / (double) N).isCloseTo(0.5, within(0.02));
    assertThat(lower / (double) N).isCloseTo(0.5, within(0.02));
    assertThat(close / (double) N).isGreaterThan(0.99);
    // Centroids of the two clusters: a half-circle of radius 2 has its centroid 4/π from the
    // centre, so (-1, -0.2 + 1.27) for the upper moon and (1, 0.8 − 1.27) for the lower one.
    assertThat(upperMean[0] / upper).isCloseTo(-1.0, within(0.1));
    assertThat(upperMean[1] / upper).isCloseTo(-0.2 + 4 / Math.PI, within(0.1));
    assertThat(lowerMean[0] / lower).isCloseTo(1.0, within(0.1));
    assertThat(lowerMean[1] / lower).isCloseTo(0.8 - 4 / Math.PI, within(0.1));
  }

  @Test
  void pinwheelHasFiveEvenlyFilledCurvedArms() {
    // Noise-free arm k at radius r (tangential part 0): polar angle θ = −(2πk/5 + 0.25·e^(r/2)).
    int arms = 5;
    double spacing = TWO_PI / arms;
    int[] perArm = new int[arms];
    int onArm = 0;
    for (double[] p : ToyDensity.PINWHEEL.sample(N, new SplittableRandom(SEED))) {
      double r = Math.hypot(p[0], p[1]);
      double armAngle = -(Math.atan2(p[1], p[0]) + 0.25 * Math.exp(r / 2));
      long k = Math.round(armAngle / spacing);
      perArm[(int) Math.floorMod(k, (long) arms)]++;
      if (Math.abs(armAngle - k * spacing) < 0.35) {
        onArm++;
      }
    }
    for (int count : perArm) {
      assertThat(count / (double) N).isCloseTo(1.0 / arms, within(0.015));
    }
    // Tangential sd 0.1 gives ~0.1 rad of angular spread; a wrong arm count or curvature
    // would put far more than 5% of the points between arms.
    assertThat(onArm / (double) N).isGreaterThan(0.95);
  }

  @Test
  void ringsHaveFourDiscreteRadiiWithSmallNoise() {
    assertRadiiCluster(ToyDensity.RINGS, new double[] {0.75, 1.5, 2.25, 3.0}, 0.08);
  }

  @Test
  void circlesHaveTwoDiscreteRadiiWithNoise() {
    assertRadiiCluster(ToyDensity.CIRCLES, new double[] {1.5, 3.0}, 0.24);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Every radius is one of {@code radii} plus noise of sd {@code noise}: each radius gets an equal
   * share, the residual sd matches, nearly all residuals are within 3.2 sd, and the cloud is
   * centred on the origin.
   */
  private static void assertRadiiCluster(ToyDensity density, double[] radii, double noise) {
    int[] perRadius = new int[radii.length];
    double sumSquares = 0;
    int close = 0;
    double sumX = 0;
    double sumY = 0;
    for (double[] p : density.sample(N, new SplittableRandom(SEED))) {
      double r = Math.hypot(p[0], p[1]);
      int nearest = 0;
      for (int i = 1; i < radii.length; i++) {
        if (Math.abs(r - radii[i]) < Math.abs(r - radii[nearest])) {
          nearest = i;
        }
      }
      double residual = r - radii[nearest];
      perRadius[nearest]++;
      sumSquares += residual * residual;
      if (Math.abs(residual) < 3.2 * noise) {
        close++;
      }
      sumX += p[0];
      sumY += p[1];
    }
    for (int i = 0; i < radii.length; i++) {
      assertThat(perRadius[i] / (double) N)
          .as("share at radius %s", radii[i])
          .isCloseTo(1.0 / radii.length, within(0.01));
    }
    assertThat(Math.sqrt(sumSquares / N)).as("residual sd").isCloseTo(noise, within(0.15 * noise));
    assertThat(close / (double) N).isGreaterThan(0.99);
    assertThat(sumX / N).isCloseTo(0.0, within(0.05));
    assertThat(sumY / N).isCloseTo(0.0, within(0.05));
  }

  /** Means of x, y and radius over the first {@code count} points. */
  private static double[] meanXYRadius(double[][] points, int count) {
    double[] sums = new double[3];
    for (int i = 0; i < count; i++) {
      sums[0] += points[i][0];
      sums[1] += points[i][1];
      sums[2] += Math.hypot(points[i][0], points[i][1]);
    }
    return new double[] {sums[0] / count, sums[1] / count, sums[2] / count};
  }

  /** Absolute difference of two angles, in [0, π]. */
  private static double angularDistance(double a, double b) {
    return Math.abs(Math.IEEEremainder(a - b, TWO_PI));
  }

  /** Distance from {@code p} to the upper (or lower) half of the radius-2 circle at (cx, cy). */
  private static double distanceToArc(double[] p, double cx, double cy, boolean upperHalf) {
    double dx = p[0] - cx;
    double dy = p[1] - cy;
    if (upperHalf ? dy >= 0 : dy <= 0) {
      return Math.abs(Math.hypot(dx, dy) - 2.0);
    }
    return Math.min(Math.hypot(dx - 2.0, dy), Math.hypot(dx + 2.0, dy)); // nearest endpoint
  }
}
