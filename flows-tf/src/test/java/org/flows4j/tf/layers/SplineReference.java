package org.flows4j.tf.layers;

import org.flows4j.api.transform.RationalQuadraticSpline;

/**
 * One scalar's rational-quadratic spline computed on the host in double, straight from the paper's formulas (a loop
 * over bins, no vectorisation tricks): the independent reference the graph is tested against, and the source of
 * the knots the edge-case tests aim at.
 */
final class SplineReference {
  final double[] xKnots;
  final double[] yKnots;
  final double[] derivatives;

  /** The spline whose raw parameters are {@code raw[offset, offset + 3K − 1)}. */
  SplineReference(double[] raw, int offset, RationalQuadraticSpline spec) {
    int k = spec.bins();
    double bound = spec.bound();
    xKnots = knots(raw, offset, k, spec.minBinWidth(), bound);
    yKnots = knots(raw, offset + k, k, spec.minBinHeight(), bound);
    derivatives = new double[k + 1];
    derivatives[0] = 1;
    derivatives[k] = 1;
    double shift = Math.log(Math.expm1(1 - spec.minDerivative()));
    for (int i = 1; i < k; i++) {
      derivatives[i] = spec.minDerivative() + softplus(raw[offset + 2 * k + i - 1] + shift);
    }
  }

  private static double[] knots(double[] raw, int offset, int k, double minimum, double bound) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < k; i++) {
      max = Math.max(max, raw[offset + i]);
    }
    double sum = 0;
    for (int i = 0; i < k; i++) {
      sum += Math.exp(raw[offset + i] - max);
    }
    double[] knots = new double[k + 1];
    knots[0] = -bound;
    double cumulative = 0;
    for (int i = 0; i < k - 1; i++) {
      cumulative += minimum + (1 - minimum * k) * Math.exp(raw[offset + i] - max) / sum;
      knots[i + 1] = -bound + 2 * bound * cumulative;
    }
    knots[k] = bound;
    return knots;
  }

  private static double softplus(double v) {
    return v > 30 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
  }

  int bin(double x) {
    int k = 0;
    while (k + 1 < xKnots.length - 1 && x >= xKnots[k + 1]) {
      k++;
    }
    return k;
  }

  /** {y, dy/dx} at x; the identity outside [−B, B]. */
  double[] forward(double x) {
    if (x < xKnots[0] || x > xKnots[xKnots.length - 1]) {
      return new double[] {x, 1};
    }
    int k = bin(x);
    double w = xKnots[k + 1] - xKnots[k];
    double h = yKnots[k + 1] - yKnots[k];
    double s = h / w;
    double t = (x - xKnots[k]) / w;
    double d0 = derivatives[k];
    double d1 = derivatives[k + 1];
    double denominator = s + (d0 + d1 - 2 * s) * t * (1 - t);
    double y = yKnots[k] + h * (s * t * t + d0 * t * (1 - t)) / denominator;
    double slope = s * s * (d1 * t * t + 2 * s * t * (1 - t) + d0 * (1 - t) * (1 - t)) / (denominator * denominator);
    return new double[] {y, slope};
  }
}
