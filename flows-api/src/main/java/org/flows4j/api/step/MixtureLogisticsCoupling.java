package org.flows4j.api.step;

import java.util.Objects;
import org.flows4j.api.conditioner.ConditionerSpec;

/**
 * Flow++'s mixture-of-logistics coupling (Ho et al. 2019, §3.1).
 * Each transformed scalar goes through {@code y = exp(a) · σ⁻¹(MixLogCDF(x; π, μ, s)) + b} with {@code 3K + 2}
 * parameters from the conditioner. The inverse is iterative (bisection): {@code inverseTolerance} is the bracket
 * width at which it stops, {@code maxIterations} a hard bound.
 *
 * <p>{@code logScaleBound}: {@code a} is soft-clamped, {@code a = B·tanh(a_raw / B)}. The default B = 1 is the
 * official code's ({@code s = tf.tanh(...)} in {@code MixLogisticCoupling}, aravindsrinivas/flowpp), so the affine
 * scale {@code exp(a)} stays within (1/e, e); the paper's text does not state the bound. A larger B is an option:
 * unbounded, {@code a} reaches ±50 and beyond with large conditioner outputs, where {@code y − b} cancels and no
 * inverse can recover x (see the tests).
 */
public record MixtureLogisticsCoupling(Mask mask, ConditionerSpec conditioner, int components, double logScaleBound,
    double inverseTolerance, int maxIterations) implements StepSpec {
  public static final double DEFAULT_LOG_SCALE_BOUND = 1.0;
  public static final double DEFAULT_INVERSE_TOLERANCE = 1e-6;
  public static final int DEFAULT_MAX_ITERATIONS = 100;

  public MixtureLogisticsCoupling {
    Objects.requireNonNull(mask, "mask");
    Objects.requireNonNull(conditioner, "conditioner");
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

  public MixtureLogisticsCoupling(Mask mask, ConditionerSpec conditioner, int components) {
    this(mask, conditioner, components, DEFAULT_LOG_SCALE_BOUND, DEFAULT_INVERSE_TOLERANCE, DEFAULT_MAX_ITERATIONS);
  }

  /** The same step with another bisection tolerance and iteration bound. */
  public MixtureLogisticsCoupling inverse(double tolerance, int iterations) {
    return new MixtureLogisticsCoupling(mask, conditioner, components, logScaleBound, tolerance, iterations);
  }

  /** The same step with {@code a} soft-clamped to {@code (−bound, bound)}. */
  public MixtureLogisticsCoupling logScaleBound(double bound) {
    return new MixtureLogisticsCoupling(mask, conditioner, components, bound, inverseTolerance, maxIterations);
  }


  @Override
  public String kind() {
    return "mixtureLogisticsCoupling";
  }

  @Override
  public java.util.List<String> problems(org.flows4j.api.Shape input) {
    return CouplingRules.problems(mask, conditioner, input);
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.EXACT;
  }

  @Override
  public InverseKind inverseKind() {
    return InverseKind.ITERATIVE;
  }

  /** Values per transformed scalar the conditioner must produce: K logits, K means, K log-scales, a and b. */
  public int parametersPerScalar() {
    return 3 * components + 2;
  }
}
