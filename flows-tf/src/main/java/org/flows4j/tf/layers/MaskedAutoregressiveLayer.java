package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * MAF and IAF. With {@code (t, log s) = MADE(c)}, {@code log s} bounded as in {@link AffineCouplingLayer}, the
 * elementwise affine map {@code a(u; c) = u·s + t} (EXP_SOFT_CLAMP) or {@code (u + t)·s} (SIGMOID) and its inverse
 * {@code a⁻¹(v; c)}:
 *
 * <ul>
 *   <li>MAF, c = x: forward {@code z = a(x; x)} in one pass; inverse solves {@code x = a⁻¹(z; x)}.
 *   <li>IAF, c = z: inverse {@code x = a⁻¹(z; z)} in one pass; forward solves {@code z = a(x; z)}.
 * </ul>
 *
 * The solve is the fixed-point sweep {@code u ← map(u)}, started at the known side and run d times, unrolled in the
 * graph: output i depends only on the features visited before i, so sweep k makes the k-th visited feature exact
 * and after d sweeps the result is exact (not approximate) and differentiable. Log-det {@code ±Σ log s}, with the
 * log-scale of the last sweep (computed from features that are all exact by then).
 */
final class MaskedAutoregressiveLayer<T extends TFloating> extends AbstractLayer<T, MaskedAutoregressive> {
  private final int features;
  private final MadeNet<T> net;

  MaskedAutoregressiveLayer(Ops tf, MaskedAutoregressive spec, Shape shape, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    this.features = shape.dim(0);
    this.net = new MadeNet<>(tf, spec.hiddenWidths(), spec.activation(),
        spec.order().visitingOrder(features), parameters.in("made"));
  }

  /** The shift and bounded log-scale, {@code [batch, d]} each, computed from {@code c}. */
  private List<Operand<T>> shiftAndLogScale(Ops tf, Operand<T> c) {
    Operand<T> raw = net.apply(tf, c);
    SplitV<T> split = tf.splitV(raw, tf.constant(new int[] {features, features}), tf.constant(1), 2L);
    Operand<T> shift = split.output().get(0);
    Operand<T> preScale = split.output().get(1);
    AffineScale scale = spec().scale();
    Operand<T> logScale = switch (scale.kind()) {
      case EXP_SOFT_CLAMP -> {
        Operand<T> bound = Tensors.scalar(tf, scale.bound(), type);
        yield tf.math.mul(bound, tf.math.tanh(tf.math.div(preScale, bound)));
      }
      // log sigmoid(h + 2) = -softplus(-(h + 2)), stable for any h.
      case SIGMOID -> tf.math.neg(tf.math.softplus(tf.math.neg(tf.math.add(preScale, Tensors.scalar(tf, 2.0, type)))));
    };
    return List.of(shift, logScale);
  }

  /** {@code a(u)}: data side → latent side. */
  private Operand<T> affine(Ops tf, Operand<T> u, List<Operand<T>> params) {
    Operand<T> scale = tf.math.exp(params.get(1));
    return switch (spec().scale().kind()) {
      case EXP_SOFT_CLAMP -> tf.math.add(tf.math.mul(u, scale), params.get(0));
      case SIGMOID -> tf.math.mul(tf.math.add(u, params.get(0)), scale);
    };
  }

  /** {@code a⁻¹(v)}: latent side → data side. */
  private Operand<T> affineInverse(Ops tf, Operand<T> v, List<Operand<T>> params) {
    Operand<T> inverseScale = tf.math.exp(tf.math.neg(params.get(1)));
    return switch (spec().scale().kind()) {
      case EXP_SOFT_CLAMP -> tf.math.mul(tf.math.sub(v, params.get(0)), inverseScale);
      case SIGMOID -> tf.math.sub(tf.math.mul(v, inverseScale), params.get(0));
    };
  }

  private Operand<T> sumLogScale(Ops tf, List<Operand<T>> params) {
    return Tensors.sumPerExample(tf, params.get(1), 1);
  }

  @Override
  public Transformed<T> forward(Ops tf, Operand<T> x) {
    if (spec().direction() == AutoregressiveDirection.MAF) {
      List<Operand<T>> params = shiftAndLogScale(tf, x);
      return new Transformed<>(affine(tf, x, params), sumLogScale(tf, params));
    }
    // IAF density: z = a(x; z), one sweep per feature.
    Operand<T> z = x;
    List<Operand<T>> params = null;
    for (int sweep = 0; sweep < features; sweep++) {
      params = shiftAndLogScale(tf, z);
      z = affine(tf, x, params);
    }
    return new Transformed<>(z, sumLogScale(tf, params));
  }

  @Override
  public Transformed<T> inverse(Ops tf, Operand<T> z) {
    if (spec().direction() == AutoregressiveDirection.IAF) {
      List<Operand<T>> params = shiftAndLogScale(tf, z);
      return new Transformed<>(affineInverse(tf, z, params), tf.math.neg(sumLogScale(tf, params)));
    }
    // MAF sampling: x = a⁻¹(z; x), one sweep per feature.
    Operand<T> x = z;
    List<Operand<T>> params = null;
    for (int sweep = 0; sweep < features; sweep++) {
      params = shiftAndLogScale(tf, x);
      x = affineInverse(tf, z, params);
    }
    return new Transformed<>(x, tf.math.neg(sumLogScale(tf, params)));
  }

  @Override
  public List<Variable<T>> variables() {
    return net.variables();
  }
}
