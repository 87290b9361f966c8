package org.flows4j.tf.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * The 2-D toy densities used to train and test flows in the FFJORD and Residual Flows papers,
 * generated in pure Java.
 *
 * <p>Each constant draws {@code n} points of shape {@code [n][2]} with the same geometry and scale
 * as the reference toy sets, so nearly all mass lies within {@code [-4, 4]²}; only Gaussian tails
 * reach slightly further. Sampling is deterministic for a given {@code (n, seed)}: all randomness
 * comes from one {@link SplittableRandom} seeded with {@code seed}, and normal variates are made
 * here from its uniform doubles (Box–Muller), so they do not depend on the JDK's Gaussian
 * algorithm. Densities that the reference builds from evenly spaced angles (moons, rings, circles)
 * do the same here, then shuffle the rows, so a batch is a stratified sample; the others are
 * i.i.d. Every row order is random, so any prefix of a batch is a fair subsample.
 */
public enum ToyDensity {
  /**
   * Eight isotropic Gaussians (std {@code 0.5/√2 ≈ 0.354}) centred at angles {@code kπ/4} on a
   * circle of radius {@code 4/√2 ≈ 2.83}; each point picks its centre uniformly at random.
   */
  EIGHT_GAUSSIANS("8gaussians"),

  /**
   * Uniform on the eight "black" squares of a 4×4 checkerboard of side-2 squares covering {@code
   * [-4, 4)²}: the squares where {@code floor(x/2) + floor(y/2)} is even. No noise.
   */
  CHECKERBOARD("checkerboard"),

  /**
   * Two interleaved Archimedean spirals, point-symmetric about the origin, each making 1.5 turns
   * out to radius about {@code π}; half the points on each arm, with a small uniform jitter
   * along the arm and Gaussian noise (std 0.1).
   */
  TWO_SPIRALS("2spirals"),

  /**
   * Two interleaved half-circles of radius 2 (scikit-learn's "make_moons", noise 0.1, scaled by 2
   * and shifted by {@code (-1, -0.2)}): an upper arc centred at {@code (-1, -0.2)} and a lower arc
   * centred at {@code (1, 0.8)}, half the points on each, with Gaussian noise of std 0.2.
   */
  MOONS("moons"),

  /**
   * A pinwheel of five curved arms: each point has a radial coordinate {@code ~N(1, 0.3²)} and a
   * tangential coordinate {@code ~N(0, 0.1²)}, is rotated clockwise by its arm's angle {@code
   * 2πk/5} plus {@code 0.25·exp(radial)} (which bends the arm), and is scaled by 2. A fifth of
   * the points on each arm.
   */
  PINWHEEL("pinwheel"),

  /**
   * Four concentric rings of radii 3, 2.25, 1.5 and 0.75 with Gaussian noise of std 0.08, a
   * quarter of the points on each ring (the innermost takes the remainder when {@code n} is not a
   * multiple of 4).
   */
  RINGS("rings"),

  /**
   * Two concentric circles of radii 3 and 1.5 (scikit-learn's "make_circles", factor 0.5, noise
   * 0.08, scaled by 3), half the points on each, with Gaussian noise of std 0.24.
   */
  CIRCLES("circles");

  private static final double TWO_PI = 2.0 * Math.PI;

  private final String cliName;

  ToyDensity(String cliName) {
    this.cliName = cliName;
  }

  /**
   * The name used on command lines and in the reference code.
   *
   * @return e.g. {@code "8gaussians"}
   */
  public String cliName() {
    return cliName;
  }

  /**
   * The density whose {@link #cliName()} equals {@code name}, ignoring case and surrounding
   * whitespace.
   *
   * @param name a command-line name such as {@code "2spirals"}
   * @return the matching density
   * @throws IllegalArgumentException if no density has that name; the message lists the valid names
   */
  public static ToyDensity fromCliName(String name) {
    String wanted = name.strip().toLowerCase(Locale.ROOT);
    for (ToyDensity density : values()) {
      if (density.cliName.equals(wanted)) {
        return density;
      }
    }
    throw new IllegalArgumentException(
        "Unknown toy density '" + name + "'; valid names: " + validNames());
  }

  private static String validNames() {
    return Arrays.stream(values()).map(ToyDensity::cliName).collect(Collectors.joining(", "));
  }

  /**
   * Draws {@code n} points as {@code [n][2]} (x, y) rows from {@code random}; a random seeded alike
   * ({@code new SplittableRandom(seed)}) always gives the same points. The seed is the random's, not a second number
   * beside {@code n}, so the two cannot be swapped.
   *
   * @param n number of points, at least 1
   * @param random drives all the randomness; advanced by the draw
   * @return a fresh {@code [n][2]} array
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public double[][] sample(int n, SplittableRandom random) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1 but was " + n);
    }
    SplittableRandom rng = java.util.Objects.requireNonNull(random, "random");
    return switch (this) {
      case EIGHT_GAUSSIANS -> eightGaussians(n, rng);
      case CHECKERBOARD -> checkerboard(n, rng);
      case TWO_SPIRALS -> twoSpirals(n, rng);
      case MOONS -> moons(n, rng);
      case PINWHEEL -> pinwheel(n, rng);
      case RINGS -> rings(n, rng);
      case CIRCLES -> circles(n, rng);
    };
  }

  /**
   * The same points as {@link #sample(int, SplittableRandom)}, as row-major float32 of length {@code 2n}
   * ({@code x0, y0, x1, y1, ...}), ready to feed a {@code [n, 2]} tensor.
   *
   * @param n number of points, at least 1
   * @param random drives all the randomness, as for {@link #sample(int, SplittableRandom)}
   * @return a fresh array of length {@code 2n}
   * @throws IllegalArgumentException if {@code n < 1}
   */
  public float[] sampleFlat(int n, SplittableRandom random) {
    double[][] points = sample(n, random);
    float[] flat = new float[2 * n];
    for (int i = 0; i < n; i++) {
      flat[2 * i] = (float) points[i][0];
      flat[2 * i + 1] = (float) points[i][1];
    }
    return flat;
  }

  // ---------------------------------------------------------------- generators

  private static double[][] eightGaussians(int n, SplittableRandom rng) {
    double radius = 4.0 / Math.sqrt(2.0);
    double std = 0.5 / Math.sqrt(2.0);
    double[][] out = new double[n][];
    for (int i = 0; i < n; i++) {
      double angle = rng.nextInt(8) * Math.PI / 4.0;
      out[i] =
          new double[] {
            radius * Math.cos(angle) + std * gaussian(rng),
            radius * Math.sin(angle) + std * gaussian(rng)
          };
    }
    return out;
  }

  private static double[][] checkerboard(int n, SplittableRandom rng) {
    double[][] out = new double[n][];
    for (int i = 0; i < n; i++) {
      // Unit board [-2, 2)²: pick a column, then one of its two black rows (parity-shifted).
      double x = 4.0 * rng.nextDouble() - 2.0;
      double y = rng.nextDouble() - 2.0 * rng.nextInt(2) + Math.floorMod((int) Math.floor(x), 2);
      out[i] = new double[] {2.0 * x, 2.0 * y};
    }
    return out;
  }

  private static double[][] twoSpirals(int n, SplittableRandom rng) {
    double maxTurn = 3.0 * Math.PI; // 540 degrees
    double[][] out = new double[n][];
    for (int i = 0; i < n; i++) {
      double arm = i < (n + 1) / 2 ? 1.0 : -1.0;
      double t = Math.sqrt(rng.nextDouble()) * maxTurn; // sqrt: uniform density along the area
      double x = -Math.cos(t) * t + 0.5 * rng.nextDouble();
      double y = Math.sin(t) * t + 0.5 * rng.nextDouble();
      out[i] =
          new double[] {
            arm * x / 3.0 + 0.1 * gaussian(rng), arm * y / 3.0 + 0.1 * gaussian(rng)
          };
    }
    shuffleRows(out, rng);
    return out;
  }

  private static double[][] moons(int n, SplittableRandom rng) {
    int outer = n / 2;
    int inner = n - outer;
    double[][] out = new double[n][];
    for (int i = 0; i < outer; i++) {
      double t = linspaceInclusive(i, outer, Math.PI);
      out[i] = new double[] {Math.cos(t), Math.sin(t)};
    }
    for (int i = 0; i < inner; i++) {
      double t = linspaceInclusive(i, inner, Math.PI);
      out[outer + i] = new double[] {1.0 - Math.cos(t), 0.5 - Math.sin(t)};
    }
    shuffleRows(out, rng);
    for (double[] p : out) {
      p[0] = 2.0 * (p[0] + 0.1 * gaussian(rng)) - 1.0;
      p[1] = 2.0 * (p[1] + 0.1 * gaussian(rng)) - 0.2;
    }
    return out;
  }

  private static double[][] pinwheel(int n, SplittableRandom rng) {
    int arms = 5;
    double[][] out = new double[n][];
    for (int i = 0; i < n; i++) {
      double radial = 1.0 + 0.3 * gaussian(rng);
      double tangential = 0.1 * gaussian(rng);
      double angle = TWO_PI * (i % arms) / arms + 0.25 * Math.exp(radial);
      double cos = Math.cos(angle);
      double sin = Math.sin(angle);
      // Row vector (radial, tangential) times [[cos, -sin], [sin, cos]]: a clockwise rotation.
      out[i] =
          new double[] {
            2.0 * (radial * cos + tangential * sin), 2.0 * (tangential * cos - radial * sin)
          };
    }
    shuffleRows(out, rng);
    return out;
  }

  private static double[][] rings(int n, SplittableRandom rng) {
    int quarter = n / 4;
    double[][] out = new double[n][];
    evenRing(out, 0, quarter, 3.0);
    evenRing(out, quarter, quarter, 2.25);
    evenRing(out, 2 * quarter, quarter, 1.5);
    evenRing(out, 3 * quarter, n - 3 * quarter, 0.75);
    shuffleRows(out, rng);
    for (double[] p : out) {
      p[0] += 0.08 * gaussian(rng);
      p[1] += 0.08 * gaussian(rng);
    }
    return out;
  }

  private static double[][] circles(int n, SplittableRandom rng) {
    int outer = n / 2;
    double[][] out = new double[n][];
    evenRing(out, 0, outer, 1.0);
    evenRing(out, outer, n - outer, 0.5);
    shuffleRows(out, rng);
    for (double[] p : out) {
      p[0] = 3.0 * (p[0] + 0.08 * gaussian(rng));
      p[1] = 3.0 * (p[1] + 0.08 * gaussian(rng));
    }
    return out;
  }

  // ---------------------------------------------------------------- helpers

  /** Fills {@code out[from, from + count)} with points at evenly spaced angles on a circle. */
  private static void evenRing(double[][] out, int from, int count, double radius) {
    for (int j = 0; j < count; j++) {
      double angle = TWO_PI * j / count;
      out[from + j] = new double[] {radius * Math.cos(angle), radius * Math.sin(angle)};
    }
  }

  /** The {@code i}-th of {@code count} evenly spaced values from 0 to {@code end} inclusive. */
  private static double linspaceInclusive(int i, int count, double end) {
    return count == 1 ? 0.0 : end * i / (count - 1);
  }

  /** A standard normal variate (Box–Muller, cosine branch) from two uniform doubles. */
  private static double gaussian(SplittableRandom rng) {
    double u = 1.0 - rng.nextDouble(); // (0, 1], so the log is finite
    double v = rng.nextDouble();
    return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(TWO_PI * v);
  }

  /** Fisher–Yates shuffle of the rows, in place. */
  private static void shuffleRows(double[][] rows, SplittableRandom rng) {
    for (int i = rows.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      double[] tmp = rows[i];
      rows[i] = rows[j];
      rows[j] = tmp;
    }
  }
}
