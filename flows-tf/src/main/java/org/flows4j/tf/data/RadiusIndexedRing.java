package org.flows4j.tf.data;

import java.util.SplittableRandom;

/**
 * A ring whose radius is the context: {@code c ~ Uniform[minRadius, maxRadius]}, an angle {@code θ ~ U[0, 2π)} and a
 * signed radius {@code ρ = c + σ·z}, {@code z ~ N(0, 1)}; {@code x = ρ·(cos θ, sin θ)}. Defaults: radii in
 * [1, 3], σ = 0.1.
 *
 * <p>Exact: a point at distance {@code r = |x|} comes from {@code ρ = r} at its own angle or {@code ρ = −r} at the
 * opposite one, so {@code p(x | c) = (φ_σ(r − c) + φ_σ(r + c)) / (2π r)} with {@code φ_σ} the N(0, σ²) density
 * (the second term is what keeps it exact when σ is not small against c).
 */
public record RadiusIndexedRing(double minRadius, double maxRadius, double sigma) implements ConditionalToyDensity {
  public RadiusIndexedRing {
    if (!(minRadius > 0) || !(maxRadius >= minRadius) || Double.isInfinite(maxRadius)) {
      throw new IllegalArgumentException("radii must satisfy 0 < minRadius <= maxRadius < infinity, but were "
          + minRadius + " and " + maxRadius);
    }
    if (!(sigma > 0) || Double.isInfinite(sigma)) {
      throw new IllegalArgumentException("sigma must be positive and finite, but was " + sigma);
    }
  }

  /** Radii uniform in [1, 3], noise 0.1. */
  public static RadiusIndexedRing standard() {
    return new RadiusIndexedRing(1.0, 3.0, 0.1);
  }

  @Override
  public int classes() {
    return 0;
  }

  @Override
  public int contextFeatures() {
    return 1;
  }

  @Override
  public ConditionalBatch sample(int n, SplittableRandom random) {
    ToyRandom.checkCount(n);
    SplittableRandom rng = java.util.Objects.requireNonNull(random, "random");
    float[] x = new float[2 * n];
    float[] c = new float[n];
    for (int i = 0; i < n; i++) {
      double radius = minRadius + (maxRadius - minRadius) * rng.nextDouble();
      c[i] = (float) radius;
      draw(c[i], rng, x, i);
    }
    return new ConditionalBatch(x, c, n);
  }

  @Override
  public ConditionalBatch sampleGiven(double[] context, int n, SplittableRandom random) {
    ToyRandom.checkCount(n);
    double radius = radius(context);
    SplittableRandom rng = java.util.Objects.requireNonNull(random, "random");
    float[] x = new float[2 * n];
    float[] c = new float[n];
    for (int i = 0; i < n; i++) {
      c[i] = (float) radius;
      draw(radius, rng, x, i);
    }
    return new ConditionalBatch(x, c, n);
  }

  private void draw(double radius, SplittableRandom rng, float[] x, int i) {
    double angle = 2 * Math.PI * rng.nextDouble();
    double rho = radius + sigma * ToyRandom.gaussian(rng);
    x[2 * i] = (float) (rho * Math.cos(angle));
    x[2 * i + 1] = (float) (rho * Math.sin(angle));
  }

  @Override
  public double logDensity(double x0, double x1, double[] context) {
    double c = radius(context);
    double r = Math.hypot(x0, x1);
    double near = ToyRandom.logNormal(r - c, sigma);
    double far = ToyRandom.logNormal(r + c, sigma);
    // log(e^near + e^far) with near ≥ far (r, c ≥ 0).
    return near + Math.log1p(Math.exp(far - near)) - Math.log(2 * Math.PI * r);
  }

  private double radius(double[] context) {
    if (context.length != 1) {
      throw new IllegalArgumentException("the context of the ring is one radius, but got " + context.length
          + " values");
    }
    double c = context[0];
    if (!(c > 0) || Double.isInfinite(c)) {
      throw new IllegalArgumentException("the radius must be positive and finite, but was " + c);
    }
    return c;
  }
}
