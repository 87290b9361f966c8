package org.flows4j.api.step;

import java.util.Objects;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.transform.MixtureOfLogisticsTransform;

/**
 * Flow++'s mixture-of-logistics coupling (Ho et al. 2019, §3.1): the coupling with a
 * {@link MixtureOfLogisticsTransform}, whose javadoc gives the map, the bound on {@code a} and the bisection settings.
 */
public record MixtureLogisticsCoupling(Mask mask, ConditionerSpec conditioner, int components, double logScaleBound,
    double inverseTolerance, int maxIterations) implements CouplingStep {
  public static final double DEFAULT_LOG_SCALE_BOUND = MixtureOfLogisticsTransform.DEFAULT_LOG_SCALE_BOUND;
  public static final double DEFAULT_INVERSE_TOLERANCE = MixtureOfLogisticsTransform.DEFAULT_INVERSE_TOLERANCE;
  public static final int DEFAULT_MAX_ITERATIONS = MixtureOfLogisticsTransform.DEFAULT_MAX_ITERATIONS;

  public MixtureLogisticsCoupling {
    Objects.requireNonNull(mask, "mask");
    Objects.requireNonNull(conditioner, "conditioner");
    // The transform checks the numbers, with the same messages.
    new MixtureOfLogisticsTransform(components, logScaleBound, inverseTolerance, maxIterations);
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
  public MixtureOfLogisticsTransform transform() {
    return new MixtureOfLogisticsTransform(components, logScaleBound, inverseTolerance, maxIterations);
  }

  /** Values per transformed scalar the conditioner must produce: K logits, K means, K log-scales, a and b. */
  public int parametersPerScalar() {
    return transform().parametersPerScalar();
  }
}
