package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.flows4j.tf.layers.AutoregressiveAffine.ShiftAndLogScale;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * MAF and IAF on vectors. With {@code (t, log s) = MADE(c)} and the elementwise affine map {@code a(u; c)} of
 * {@link AutoregressiveAffine} and its inverse {@code a⁻¹(v; c)}:
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
  private final AutoregressiveAffine<T> affine;

  MaskedAutoregressiveLayer(
      Ops tf, MaskedAutoregressive spec, Shape shape, int conditionFeatures, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    this.features = shape.dim(0);
    // Validation gives vectors an mlp conditioner: the MADE's widths, activation and output initialisation.
    this.net = new MadeNet<>(tf, (MlpConditioner) spec.conditioner(), spec.order().visitingOrder(features),
        conditionFeatures, parameters.in("made"));
    this.affine = new AutoregressiveAffine<>(spec.scale(), type);
  }

  /**
   * The shift and bounded log-scale, {@code [batch, d]} each, computed from {@code c} (and in a conditional flow
   * from the pass's condition).
   */
  private ShiftAndLogScale<T> shiftAndLogScale(Ops tf, Operand<T> c, PassContext<T> context) {
    return affine.parameters(tf, net.apply(tf, c, context.condition()), features, 1);
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    if (spec().direction() == AutoregressiveDirection.MAF) {
      ShiftAndLogScale<T> params = shiftAndLogScale(tf, x, context);
      return new Transformed<>(affine.forward(tf, x, params), affine.logDet(tf, params, 1));
    }
    // IAF density: z = a(x; z), one sweep per feature.
    Operand<T> z = x;
    ShiftAndLogScale<T> params = null;
    for (int sweep = 0; sweep < features; sweep++) {
      params = shiftAndLogScale(tf, z, context);
      z = affine.forward(tf, x, params);
    }
    return new Transformed<>(z, affine.logDet(tf, params, 1));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> z, PassContext<T> context) {
    if (spec().direction() == AutoregressiveDirection.IAF) {
      ShiftAndLogScale<T> params = shiftAndLogScale(tf, z, context);
      return new Transformed<>(affine.inverse(tf, z, params), tf.math.neg(affine.logDet(tf, params, 1)));
    }
    // MAF sampling: x = a⁻¹(z; x), one sweep per feature.
    Operand<T> x = z;
    ShiftAndLogScale<T> params = null;
    for (int sweep = 0; sweep < features; sweep++) {
      params = shiftAndLogScale(tf, x, context);
      x = affine.inverse(tf, z, params);
    }
    return new Transformed<>(x, tf.math.neg(affine.logDet(tf, params, 1)));
  }

  @Override
  public List<Variable<T>> variables() {
    return net.variables();
  }
}
