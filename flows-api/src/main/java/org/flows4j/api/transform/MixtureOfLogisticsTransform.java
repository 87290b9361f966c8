package org.flows4j.api.transform;

import org.flows4j.api.step.InverseKind;
import org.flows4j.api.step.LogDetKind;

/**
 * Flow++'s mixture-of-logistics transform (Ho et al. 2019, §3.1): {@code y = exp(a) · σ⁻¹(MixLogCDF(x; π, μ, s)) + b}
 * with {@code 3K + 2} parameters per scalar. The inverse is iterative (bisection): {@code inverseTolerance} is the
 * bracket width at which it stops, {@code maxIterations} a hard bound.
 *
 * <p>{@code logScaleBound}: {@code a} is soft-clamped, {@code a = B·tanh(a_raw / B)}. The default B = 1 is the
 * official code's ({@code s = tf.tanh(...)} in {@code MixLogisticCoupling}, aravindsrinivas/flowpp), so the affine
 * scale {@code exp(a)} stays within (1/e, e); the paper's text does not state the bound. A larger B is an option:
 * unbounded, {@code a} reaches ±50 and beyond with large conditioner outputs, where {@code y − b} cancels and no
 * inverse can recover x (see the tests).
 */
public record MixtureOfLogisticsTransform(
    int components, double logScaleBound, double inverseTolerance, int maxIterations) implements CouplingTransform {
  public static final double DEFAULT_LOG_SCALE_BOUND = 1.0;
  public static final double DEFAULT_INVERSE_TOLERANCE = 1e-6;
  public static final int DEFAULT_MAX_ITERATIONS = 100;

  public MixtureOfLogisticsTransform {
    if (components < 1) {
      throw new IllegalArgumentException("components must be at least 1, but was " + components);
    }
    if (!(logScaleBound > 0) || Double.isInfinite(logScaleBound)) {
      throw new IllegalArgumentException("logScaleBound must be positive and finite, but was " + logScaleBound);
    }
    if (!(inverseTolerance > 0) || Double.isInfinite(inverseTolerance)) {
      throw new IllegalArgumentException("inverseTolerance must be positive and finite, but was " + inverseTolerance);
    }
    if (maxIterations < 1) {
      throw new IllegalArgumentException("maxIterations must be at least 1, but was " + maxIterations);
    }
  }

  /** {@code components} logistics with the default bound, tolerance and iteration limit. */
  public MixtureOfLogisticsTransform(int components) {
    this(components, DEFAULT_LOG_SCALE_BOUND, DEFAULT_INVERSE_TOLERANCE, DEFAULT_MAX_ITERATIONS);
  }

  /** The same transform with another bisection tolerance and iteration bound. */
  public MixtureOfLogisticsTransform inverse(double tolerance, int iterations) {
    return new MixtureOfLogisticsTransform(components, logScaleBound, tolerance, iterations);
  }

  /** The same transform with {@code a} soft-clamped to {@code (−bound, bound)}. */
  public MixtureOfLogisticsTransform logScaleBound(double bound) {
    return new MixtureOfLogisticsTransform(components, bound, inverseTolerance, maxIterations);
  }

  @Override
  public String kind() {
    return "mixtureLogistics";
  }

  /** K logits, K means, K log-scales, a and b. */
  @Override
  public int parametersPerScalar() {
    return 3 * components + 2;
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.EXACT;
  }

  @Override
  public InverseKind inverseKind() {
    return InverseKind.ITERATIVE;
  }
}
