package org.flows4j.tf.layers;

import org.flows4j.api.step.AffineScale;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.types.family.TFloating;

/**
 * The elementwise affine map of MAF and IAF, for vectors (MADE) and images (PixelCNN) alike. The network's raw
 * output holds the shifts {@code t}, then the raw log-scales {@code h}, along its last axis; {@code log s} is
 * {@code h} bounded as in {@link AffineCouplingLayer}, and the map is {@code a(u) = u·s + t} (EXP_SOFT_CLAMP) or
 * {@code (u + t)·s} (SIGMOID), with the inverse {@code a⁻¹(v)}. Every method emits ops with the {@code Ops} it is
 * given, so it also works inside a while loop's body.
 */
final class AutoregressiveAffine<T extends TFloating> {
  /** The shift and the bounded log-scale of every feature. */
  record ShiftAndLogScale<T extends TFloating>(Operand<T> shift, Operand<T> logScale) {}

  private final AffineScale scale;
  private final Class<T> type;

  AutoregressiveAffine(AffineScale scale, Class<T> type) {
    this.scale = scale;
    this.type = type;
  }

  /** Splits the raw output ({@code 2·features} along {@code axis}) into shifts and bounded log-scales. */
  ShiftAndLogScale<T> parameters(Ops tf, Operand<T> raw, int features, int axis) {
    SplitV<T> split = tf.splitV(raw, tf.constant(new int[] {features, features}), tf.constant(axis), 2L);
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

  /** {@code a(u)}: data side → latent side. */
  Operand<T> forward(Ops tf, Operand<T> u, ShiftAndLogScale<T> p) {
    Operand<T> s = tf.math.exp(p.logScale());
    return switch (scale.kind()) {
      case EXP_SOFT_CLAMP -> tf.math.add(tf.math.mul(u, s), p.shift());
      case SIGMOID -> tf.math.mul(tf.math.add(u, p.shift()), s);
    };
  }

  /** {@code a⁻¹(v)}: latent side → data side. */
  Operand<T> inverse(Ops tf, Operand<T> v, ShiftAndLogScale<T> p) {
    Operand<T> inverseScale = tf.math.exp(tf.math.neg(p.logScale()));
    return switch (scale.kind()) {
      case EXP_SOFT_CLAMP -> tf.math.mul(tf.math.sub(v, p.shift()), inverseScale);
      case SIGMOID -> tf.math.sub(tf.math.mul(v, inverseScale), p.shift());
    };
  }

  /** {@code Σ log s} per example, over the {@code rank} axes after the batch axis. */
  Operand<T> logDet(Ops tf, ShiftAndLogScale<T> p, int rank) {
    return Tensors.sumPerExample(tf, p.logScale(), rank);
  }
}
