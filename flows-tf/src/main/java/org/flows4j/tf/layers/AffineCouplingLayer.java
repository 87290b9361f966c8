package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * Affine coupling. With {@code (h, t) = NN(x_pass)} and {@code log s} from {@link AffineScale}:
 *
 * <ul>
 *   <li>EXP_SOFT_CLAMP (RealNVP): {@code y = x · s + t}, inverse {@code x = (y - t) / s};
 *   <li>SIGMOID (Glow's code): {@code y = (x + t) · s}, inverse {@code x = y / s - t}.
 * </ul>
 *
 * Log-det {@code Σ log s} over the transformed part.
 */
final class AffineCouplingLayer<T extends TFloating> extends ConditionedLayer<T, AffineCoupling> {
  private final Shape shape;
  private final CouplingMask<T> mask;
  private final ConditionerNet<T> net;

  AffineCouplingLayer(Ops tf, AffineCoupling spec, Shape shape, int conditionFeatures, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    this.shape = shape;
    this.mask = CouplingMask.create(tf, spec.mask(), shape, type);
    this.net = ConditionerNet.create(
        tf, spec.conditioner(), shape, mask.conditionerInFeatures() + conditionFeatures, 2 * mask.transformedFeatures(),
        parameters);
  }




  /** The shift and log-scale for the transformed part, zero where the mask passes the input through. */
  private List<Operand<T>> shiftAndLogScale(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> raw = net.apply(tf, mask.conditionerInput(tf, x), context);
    int features = mask.transformedFeatures();
    SplitV<T> split = tf.splitV(raw, tf.constant(new int[] {features, features}), tf.constant(shape.rank()), 2L);
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
    return List.of(mask.maskParameters(tf, shift), mask.maskParameters(tf, logScale));
  }

  @Override
  public Transformed<T> forward(Ops tf, Operand<T> x, PassContext<T> context) {
    List<Operand<T>> params = shiftAndLogScale(tf, x, context);
    Operand<T> shift = params.get(0);
    Operand<T> logScale = params.get(1);
    Operand<T> part = mask.transformedPart(tf, x);
    Operand<T> scale = tf.math.exp(logScale);
    Operand<T> newPart = switch (spec().scale().kind()) {
      case EXP_SOFT_CLAMP -> tf.math.add(tf.math.mul(part, scale), shift);
      case SIGMOID -> tf.math.mul(tf.math.add(part, shift), scale);
    };
    return new Transformed<>(mask.merge(tf, x, newPart), Tensors.sumPerExample(tf, logScale, shape.rank()));
  }

  @Override
  public Transformed<T> inverse(Ops tf, Operand<T> y, PassContext<T> context) {
    // The passing part of y equals that of x, so the conditioner sees the same input as in forward.
    List<Operand<T>> params = shiftAndLogScale(tf, y, context);
    Operand<T> shift = params.get(0);
    Operand<T> logScale = params.get(1);
    Operand<T> part = mask.transformedPart(tf, y);
    Operand<T> inverseScale = tf.math.exp(tf.math.neg(logScale));
    Operand<T> oldPart = switch (spec().scale().kind()) {
      case EXP_SOFT_CLAMP -> tf.math.mul(tf.math.sub(part, shift), inverseScale);
      case SIGMOID -> tf.math.sub(tf.math.mul(part, inverseScale), shift);
    };
    Operand<T> logDet = tf.math.neg(Tensors.sumPerExample(tf, logScale, shape.rank()));
    return new Transformed<>(mask.merge(tf, y, oldPart), logDet);
  }

  @Override
  public List<Variable<T>> variables() {
    return net.variables();
  }
}
