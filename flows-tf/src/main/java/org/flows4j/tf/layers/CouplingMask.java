package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.Mask;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.types.family.TFloating;

/**
 * Splits a coupling's input into the part that passes through (and feeds the conditioner) and the part that is
 * transformed, and puts them back together.
 *
 * <p>Half and channel masks really split the feature axis (the conditioner sees only the passing half, and the
 * transform runs only on the other half). The checkerboard mask cannot be split that way, so it works on the whole
 * tensor: the conditioner sees {@code b ⊙ x}, the transform parameters are multiplied by {@code 1 - b}, and
 * {@link #keepPassing} blends the input back on passing positions ({@code (1 - b)·τ(x) + b·x}, log-derivative
 * {@code (1 - b)·log τ'}), so they stay exactly the input whatever the transform computes there (a mixture of
 * logistics gives {@code σ⁻¹(σ(x))}, equal to x only up to rounding). This is the one place blending happens.
 */
abstract sealed class CouplingMask<T extends TFloating> {

  static <T extends TFloating> CouplingMask<T> create(Ops tf, Mask mask, Shape shape, Class<T> type) {
    return switch (mask) {
      case HALF, CHANNELS -> new FeatureSplit<>(shape, false);
      case HALF_FLIPPED, CHANNELS_FLIPPED -> new FeatureSplit<>(shape, true);
      case CHECKERBOARD -> new Checkerboard<>(tf, shape, false, type);
      case CHECKERBOARD_FLIPPED -> new Checkerboard<>(tf, shape, true, type);
    };
  }

  /** Features the conditioner receives. */
  abstract int conditionerInFeatures();

  /** Features of the transformed part (what each transform parameter tensor must have). */
  abstract int transformedFeatures();

  /** What the conditioner sees. */
  abstract Operand<T> conditionerInput(Ops tf, Operand<T> x);

  /** The part of {@code x} that is transformed. */
  abstract Operand<T> transformedPart(Ops tf, Operand<T> x);

  /** Zeroes transform parameters where the input passes through (checkerboard only). */
  abstract Operand<T> maskParameters(Ops tf, Operand<T> parameters);

  /**
   * The transform's output on the transformed part with passing positions restored: {@code old} there, and a zero
   * log-derivative (checkerboard only; the identity for masks that split the feature axis).
   */
  abstract ElementwiseTransform.Elementwise<T> keepPassing(
      Ops tf, Operand<T> old, ElementwiseTransform.Elementwise<T> transformed);

  /** Reassembles the full tensor from the input and the new transformed part. */
  abstract Operand<T> merge(Ops tf, Operand<T> x, Operand<T> newTransformedPart);

  private static final class FeatureSplit<T extends TFloating> extends CouplingMask<T> {
    private final int axis;
    private final int firstSize;
    private final int secondSize;
    private final boolean flipped;

    FeatureSplit(Shape shape, boolean flipped) {
      this.axis = shape.rank(); // the feature axis, counting the batch axis
      int features = shape.features();
      this.firstSize = (features + 1) / 2;
      this.secondSize = features - firstSize;
      this.flipped = flipped;
    }

    @Override
    int conditionerInFeatures() {
      return flipped ? secondSize : firstSize;
    }

    @Override
    int transformedFeatures() {
      return flipped ? firstSize : secondSize;
    }

    private List<Operand<T>> halves(Ops tf, Operand<T> x) {
      SplitV<T> split = tf.splitV(x, tf.constant(new int[] {firstSize, secondSize}), tf.constant(axis), 2L);
      return List.of(split.output().get(0), split.output().get(1));
    }

    @Override
    Operand<T> conditionerInput(Ops tf, Operand<T> x) {
      return halves(tf, x).get(flipped ? 1 : 0);
    }

    @Override
    Operand<T> transformedPart(Ops tf, Operand<T> x) {
      return halves(tf, x).get(flipped ? 0 : 1);
    }

    @Override
    Operand<T> maskParameters(Ops tf, Operand<T> parameters) {
      return parameters;
    }

    @Override
    ElementwiseTransform.Elementwise<T> keepPassing(
        Ops tf, Operand<T> old, ElementwiseTransform.Elementwise<T> transformed) {
      return transformed;
    }

    @Override
    Operand<T> merge(Ops tf, Operand<T> x, Operand<T> newTransformedPart) {
      Operand<T> passing = conditionerInput(tf, x);
      List<Operand<T>> parts = flipped ? List.of(newTransformedPart, passing) : List.of(passing, newTransformedPart);
      return tf.concat(parts, tf.constant(axis));
    }
  }

  private static final class Checkerboard<T extends TFloating> extends CouplingMask<T> {
    private final int channels;
    private final Operand<T> passMask;
    private final Operand<T> transformMask;

    Checkerboard(Ops tf, Shape shape, boolean flipped, Class<T> type) {
      int height = shape.dim(0);
      int width = shape.dim(1);
      this.channels = shape.dim(2);
      double[] pass = new double[height * width];
      double[] transform = new double[height * width];
      for (int i = 0; i < height; i++) {
        for (int j = 0; j < width; j++) {
          boolean even = (i + j) % 2 == 0;
          boolean passes = even != flipped;
          pass[i * width + j] = passes ? 1 : 0;
          transform[i * width + j] = passes ? 0 : 1;
        }
      }
      long[] maskShape = {1, height, width, 1};
      this.passMask = Tensors.constant(tf, pass, maskShape, type);
      this.transformMask = Tensors.constant(tf, transform, maskShape, type);
    }

    @Override
    int conditionerInFeatures() {
      return channels;
    }

    @Override
    int transformedFeatures() {
      return channels;
    }

    @Override
    Operand<T> conditionerInput(Ops tf, Operand<T> x) {
      return tf.math.mul(x, passMask);
    }

    @Override
    Operand<T> transformedPart(Ops tf, Operand<T> x) {
      return x;
    }

    @Override
    Operand<T> maskParameters(Ops tf, Operand<T> parameters) {
      return tf.math.mul(parameters, transformMask);
    }

    @Override
    ElementwiseTransform.Elementwise<T> keepPassing(
        Ops tf, Operand<T> old, ElementwiseTransform.Elementwise<T> transformed) {
      Operand<T> value = tf.math.add(tf.math.mul(transformMask, transformed.value()), tf.math.mul(passMask, old));
      return new ElementwiseTransform.Elementwise<>(value, tf.math.mul(transformMask, transformed.logDerivative()));
    }

    @Override
    Operand<T> merge(Ops tf, Operand<T> x, Operand<T> newTransformedPart) {
      return newTransformedPart;
    }
  }
}
