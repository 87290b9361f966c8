package org.flows4j.tf.layers;

import org.flows4j.api.Shape;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.transform.AffineTransform;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.types.family.TFloating;

/**
 * The affine transform, for couplings, MAF and IAF on vectors (MADE) and images (PixelCNN) alike. Parameters, along
 * the last axis: the first F values are the shifts {@code t}, the next F the raw scales {@code h}, with
 * {@code log s} from {@link AffineScale}:
 *
 * <ul>
 *   <li>EXP_SOFT_CLAMP (RealNVP): {@code log s = B·tanh(h/B)}, {@code y = x · s + t}, inverse {@code (y - t) / s};
 *   <li>SIGMOID (Glow's code): {@code log s = log σ(h + 2)}, {@code y = (x + t) · s}, inverse {@code y / s - t}.
 * </ul>
 *
 * Splitting along the last axis, it takes parameters of any rank: a whole image's {@code [batch, h, w, 2F]} or the
 * {@code [pixels, 2F]} of the pixels PixelCNN sampling solves at once. Every method emits ops with the {@code Ops}
 * it is given, so it also works inside a while loop's body.
 */
final class AffineElementwise<T extends TFloating> implements ElementwiseTransform<T> {
  private final AffineScale scale;
  private final int features;
  private final Class<T> type;

  AffineElementwise(AffineTransform spec, Shape part, Class<T> type) {
    this.scale = spec.scale();
    this.features = part.features();
    this.type = type;
  }

  @Override
  public int parametersPerScalar() {
    return 2;
  }

  private record ShiftAndLogScale<T extends TFloating>(Operand<T> shift, Operand<T> logScale) {}

  private ShiftAndLogScale<T> split(Ops tf, Operand<T> parameters) {
    SplitV<T> split = tf.splitV(parameters, tf.constant(new int[] {features, features}), tf.constant(-1), 2L);
    Operand<T> preScale = split.output().get(1);
    Operand<T> logScale = switch (scale.kind()) {
      case EXP_SOFT_CLAMP -> {
        Operand<T> bound = Tensors.scalar(tf, scale.bound(), type);
        yield tf.math.mul(bound, tf.math.tanh(tf.math.div(preScale, bound)));
      }
      // log sigmoid(h + 2) = -softplus(-(h + 2)), stable for any h.
      case SIGMOID -> tf.math.neg(tf.math.softplus(tf.math.neg(tf.math.add(preScale, Tensors.scalar(tf, 2.0, type)))));
    };
    return new ShiftAndLogScale<>(split.output().get(0), logScale);
  }

  @Override
  public Elementwise<T> forward(Ops tf, Operand<T> x, Operand<T> parameters) {
    ShiftAndLogScale<T> p = split(tf, parameters);
    Operand<T> s = tf.math.exp(p.logScale());
    Operand<T> y = switch (scale.kind()) {
      case EXP_SOFT_CLAMP -> tf.math.add(tf.math.mul(x, s), p.shift());
      case SIGMOID -> tf.math.mul(tf.math.add(x, p.shift()), s);
    };
    return new Elementwise<>(y, p.logScale());
  }

  @Override
  public Elementwise<T> inverse(Ops tf, Operand<T> y, Operand<T> parameters) {
    ShiftAndLogScale<T> p = split(tf, parameters);
    Operand<T> inverseScale = tf.math.exp(tf.math.neg(p.logScale()));
    Operand<T> x = switch (scale.kind()) {
      case EXP_SOFT_CLAMP -> tf.math.mul(tf.math.sub(y, p.shift()), inverseScale);
      case SIGMOID -> tf.math.sub(tf.math.mul(y, inverseScale), p.shift());
    };
    return new Elementwise<>(x, tf.math.neg(p.logScale()));
  }
}
