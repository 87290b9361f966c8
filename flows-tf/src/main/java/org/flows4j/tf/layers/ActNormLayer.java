package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.ActNorm;
import org.flows4j.tf.FirstStepInitialization;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.family.TFloating;

/**
 * Glow's ActNorm: {@code y = (x + bias) · exp(logScale)} per feature, log-det {@code positions · Σ logScale}
 * where positions is {@code height · width} for images and 1 for vectors.
 *
 * <p>The data-dependent initialisation sets {@code bias = -mean} and {@code logScale = -log(std + ε)} from one
 * batch and flips {@code initialized}. The flag is a variable, so it is saved with the weights and a restored model
 * is never re-initialised from data (a bug peers shipped).
 *
 * <p>In the trainer's training pass the initialisation is part of the first step instead (see
 * {@link FirstStepInitialization}), as in the official Glow and Residual Flows code: the pass always computes the
 * batch statistics, and uses them in place of the variables until the flag is set.
 */
final class ActNormLayer<T extends TFloating> extends AbstractLayer<T, ActNorm> {
  private static final double EPSILON = 1e-6;

  private final Shape shape;
  private final Variable<T> bias;
  private final Variable<T> logScale;
  private final Variable<TBool> initialized;

  ActNormLayer(Ops tf, ActNorm spec, Shape shape, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    this.shape = shape;
    long[] featureShape = {shape.features()};
    this.bias = parameters.filled(tf, "bias", featureShape, 0.0);
    this.logScale = parameters.filled(tf, "log_scale", featureShape, 0.0);
    this.initialized = parameters.flag(tf, "initialized");
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    if (context.isInitializing()) {
      return initializingForward(tf, x, context);
    }
    FirstStepInitialization<T> firstStep = context.firstStep();
    if (firstStep != null && context.isTraining()) {
      return firstStepForward(tf, x, firstStep);
    }
    Operand<T> y = tf.math.mul(tf.math.add(x, bias), tf.math.exp(logScale));
    return new Transformed<>(y, logDet(tf, x, logScale, 1.0));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> y, PassContext<T> context) {
    Operand<T> x = tf.math.sub(tf.math.mul(y, tf.math.exp(tf.math.neg(logScale))), bias);
    return new Transformed<>(x, logDet(tf, y, logScale, -1.0));
  }

  @Override
  public List<Variable<T>> variables() {
    return List.of(bias, logScale);
  }

  /**
   * Glow's data-dependent initialisation: bias and log-scale set so this batch comes out with zero mean and unit
   * variance per feature; the output and log-det are computed with those fresh values.
   */
  private Transformed<T> initializingForward(Ops tf, Operand<T> x, PassContext<T> context) {
    Statistics<T> fresh = statistics(tf, x);
    context.addInitOp(tf.assign(bias, fresh.bias()));
    context.addInitOp(tf.assign(logScale, fresh.logScale()));
    context.addInitOp(tf.assign(initialized, tf.constant(true)));
    Operand<T> y = tf.math.mul(tf.math.add(x, fresh.bias()), tf.math.exp(fresh.logScale()));
    return new Transformed<>(y, logDet(tf, x, fresh.logScale(), 1.0));
  }

  /**
   * The training pass of a trainer that initialises in its first step: until the flag is set, the batch's
   * {@link #statistics} stand in for the variables, whose gradient still flows through (the step's loss and
   * gradients are then those after a separate initialisation pass on the same batch); the trainer stores the
   * statistics the first step computed.
   */
  private Transformed<T> firstStepForward(Ops tf, Operand<T> x, FirstStepInitialization<T> firstStep) {
    Statistics<T> fresh = statistics(tf, x);
    firstStep.add(bias, fresh.bias());
    firstStep.add(logScale, fresh.logScale());
    firstStep.addFlag(initialized);
    Operand<T> biasValue = freshUntilInitialized(tf, bias, fresh.bias());
    Operand<T> logScaleValue = freshUntilInitialized(tf, logScale, fresh.logScale());
    Operand<T> y = tf.math.mul(tf.math.add(x, biasValue), tf.math.exp(logScaleValue));
    return new Transformed<>(y, logDet(tf, x, logScaleValue, 1.0));
  }

  /**
   * {@code variable + stopGradient(initialized ? 0 : statistic − variable)}: the variable's value once initialised
   * and the statistic before (exactly, as the variable then still holds its zero start), with gradient 1 to the
   * variable either way. The Select is out of the gradient's path.
   */
  private Operand<T> freshUntilInitialized(Ops tf, Variable<T> variable, Operand<T> statistic) {
    Operand<T> correction = tf.select(initialized, tf.zerosLike(statistic), tf.math.sub(statistic, variable));
    return tf.math.add(variable, tf.stopGradient(correction));
  }

  /** Glow's initial values from one batch: bias {@code -mean}, log-scale {@code -log(std + ε)}, no gradient. */
  private Statistics<T> statistics(Ops tf, Operand<T> x) {
    int[] reduceAxes = new int[shape.rank()];
    for (int i = 0; i < reduceAxes.length; i++) {
      reduceAxes[i] = i; // batch and spatial axes: every axis but the feature axis
    }
    Operand<T> data = tf.stopGradient(x);
    Operand<T> mean = tf.math.mean(data, tf.constant(reduceAxes));
    Operand<T> variance = tf.math.mean(tf.math.square(tf.math.sub(data, mean)), tf.constant(reduceAxes));
    Operand<T> newLogScale = tf.math.neg(
        tf.math.log(tf.math.add(tf.math.sqrt(variance), Tensors.scalar(tf, EPSILON, type))));
    return new Statistics<>(tf.math.neg(mean), newLogScale);
  }

  private record Statistics<T extends TFloating>(Operand<T> bias, Operand<T> logScale) {}

  /** The "initialised" flag: the trainer runs data init only while it is false. */
  Variable<TBool> initializedFlag() {
    return initialized;
  }

  private Operand<T> logDet(Ops tf, Operand<T> x, Operand<T> logScaleValue, double sign) {
    double positions = shape.size() / (double) shape.features();
    Operand<T> total = tf.math.mul(tf.reduceSum(logScaleValue, tf.constant(0)),
        Tensors.scalar(tf, sign * positions, type));
    return Tensors.perExample(tf, total, x);
  }
}
