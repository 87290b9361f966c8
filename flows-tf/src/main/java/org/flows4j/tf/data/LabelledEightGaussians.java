package org.flows4j.tf.data;

import java.util.SplittableRandom;

/**
 * The eight-Gaussians ring with the component as a class label: {@code c ~ Uniform{0, …, 7}} and
 * {@code x | c ~ N(μ_c, σ² I)}, {@code μ_c = r·(cos(cπ/4), sin(cπ/4))}, {@code r = 4/√2}, {@code σ = 0.5/√2} — the
 * geometry of {@link ToyDensity#EIGHT_GAUSSIANS}, whose points are this density's with the label dropped.
 *
 * <p>Exact: {@code log p(x | c) = log N(x; μ_c, σ² I)}, whose mean over the data is minus the entropy
 * {@code log(2πe σ²) ≈ 0.758} nats; and {@code log p(x) = log Σ_c p(x | c)/8}, about {@code log 8 ≈ 2.08} nats worse
 * (the components barely overlap). So a class-conditional flow can beat an unconditional one by up to ~2.08 nats.
 */
public record LabelledEightGaussians() implements ConditionalToyDensity {
  public static final int CLASSES = 8;
  public static final double RADIUS = 4.0 / Math.sqrt(2.0);
  public static final double SIGMA = 0.5 / Math.sqrt(2.0);

  @Override
  public int classes() {
    return CLASSES;
  }

  @Override
  public int contextFeatures() {
    return 1;
  }

  /** The centre of class {@code c}. */
  public static double[] centre(int c) {
    double angle = c * Math.PI / 4.0;
    return new double[] {RADIUS * Math.cos(angle), RADIUS * Math.sin(angle)};
  }

  @Override
  public ConditionalBatch sample(int n, SplittableRandom random) {
    ToyRandom.checkCount(n);
    SplittableRandom rng = java.util.Objects.requireNonNull(random, "random");
    float[] x = new float[2 * n];
    float[] c = new float[n];
    for (int i = 0; i < n; i++) {
      int label = rng.nextInt(CLASSES);
      c[i] = label;
      draw(label, rng, x, i);
    }
    return new ConditionalBatch(x, c, n);
  }

  @Override
  public ConditionalBatch sampleGiven(double[] context, int n, SplittableRandom random) {
    ToyRandom.checkCount(n);
    int label = label(context);
    SplittableRandom rng = java.util.Objects.requireNonNull(random, "random");
    float[] x = new float[2 * n];
    float[] c = new float[n];
    for (int i = 0; i < n; i++) {
      c[i] = label;
      draw(label, rng, x, i);
    }
    return new ConditionalBatch(x, c, n);
  }

  private static void draw(int label, SplittableRandom rng, float[] x, int i) {
    double[] mu = centre(label);
    x[2 * i] = (float) (mu[0] + SIGMA * ToyRandom.gaussian(rng));
    x[2 * i + 1] = (float) (mu[1] + SIGMA * ToyRandom.gaussian(rng));
  }

  @Override
  public double logDensity(double x0, double x1, double[] context) {
    double[] mu = centre(label(context));
    return ToyRandom.logNormal(x0 - mu[0], SIGMA) + ToyRandom.logNormal(x1 - mu[1], SIGMA);
  }

  /** The exact marginal {@code log p(x) = log Σ_c p(x | c) / 8}: the best an unconditional model can do. */
  public double marginalLogDensity(double x0, double x1) {
    double[] terms = new double[CLASSES];
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < CLASSES; c++) {
      terms[c] = logDensity(x0, x1, new double[] {c}) - Math.log(CLASSES);
      max = Math.max(max, terms[c]);
    }
    double sum = 0;
    for (double t : terms) {
      sum += Math.exp(t - max);
    }
    return max + Math.log(sum);
  }

  /** {@code log(2πe σ²)}: the entropy of each class's Gaussian, the best mean conditional NLL. */
  public static double conditionalEntropy() {
    return Math.log(2 * Math.PI * Math.E * SIGMA * SIGMA);
  }

  private static int label(double[] context) {
    if (context.length != 1) {
      throw new IllegalArgumentException("the context of labelled 8 Gaussians is one class index, but got "
          + context.length + " values");
    }
    double v = context[0];
    if (v != Math.rint(v) || v < 0 || v >= CLASSES) {
      throw new IllegalArgumentException("the class must be an integer in [0, " + CLASSES + "), but was " + v);
    }
    return (int) v;
  }
}
