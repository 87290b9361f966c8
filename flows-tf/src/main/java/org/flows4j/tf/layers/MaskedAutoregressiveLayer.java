package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.transform.RationalQuadraticSpline;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * MAF and IAF on vectors. With {@code θ = MADE(c)} and the spec's elementwise map {@code τ(u; θ)} (affine, as in
 * {@link AutoregressiveAffine}, or a rational-quadratic spline) and its inverse {@code τ⁻¹(v; θ)}:
 *
 * <ul>
 *   <li>MAF, c = x: forward {@code z = τ(x; θ(x))} in one pass; inverse solves {@code x = τ⁻¹(z; θ(x))}.
 *   <li>IAF, c = z: inverse {@code x = τ⁻¹(z; θ(z))} in one pass; forward solves {@code z = τ(x; θ(z))}.
 * </ul>
 *
 * The solve is the fixed-point sweep {@code u ← map(u)}, started at the known side and run d times, unrolled in the
 * graph: output i depends only on the features visited before i, so sweep k makes the k-th visited feature exact
 * and after d sweeps the result is exact (not approximate) and differentiable. Log-det: the sum of the elementwise
 * log-derivatives ({@code ±Σ log s} for the affine map), from the parameters of the last sweep (computed from
 * features that are all exact by then).
 *
 * <p>The MADE's outputs come as P blocks of d (P = 2 for the affine map: shifts, then raw log-scales, the layout of
 * saved MAF weights). A spline wants the {@code 3K − 1} values of each feature together, so they are regrouped to
 * {@code [batch, d, P]} (nflows' {@code MaskedPiecewiseRationalQuadraticAutoregressiveTransform} does the same
 * reshape); as in spline couplings the raw widths and heights are not divided by √hidden (see
 * {@link SplineElementwise}): the MADE's output layer starts at zero, so the step starts as the identity.
 */
final class MaskedAutoregressiveLayer<T extends TFloating> extends AbstractLayer<T, MaskedAutoregressive> {
  private final int features;
  private final MadeNet<T> net;
  private final ElementwiseTransform<T> map;
  private final boolean perFeatureParameters;

  MaskedAutoregressiveLayer(
      Ops tf, MaskedAutoregressive spec, Shape shape, int conditionFeatures, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    this.features = shape.dim(0);
    this.map = ElementwiseTransforms.create(spec.transform(), shape, type);
    this.perFeatureParameters = spec.transform() instanceof RationalQuadraticSpline;
    // Validation gives vectors an mlp conditioner: the MADE's widths, activation and output initialisation.
    this.net = new MadeNet<>(tf, (MlpConditioner) spec.conditioner(), spec.order().visitingOrder(features),
        map.parametersPerScalar(), conditionFeatures, parameters.in("made"));
  }

  /** θ computed from {@code c} (and in a conditional flow from the pass's condition), in the map's layout. */
  private Operand<T> parameters(Ops tf, Operand<T> c, PassContext<T> context) {
    Operand<T> raw = net.apply(tf, c, context.condition());
    if (!perFeatureParameters) {
      return raw;
    }
    int p = map.parametersPerScalar();
    Operand<T> blocks = tf.reshape(raw, Tensors.batchShape(tf, new int[] {p, features}));
    Operand<T> perFeature = tf.linalg.transpose(blocks, tf.constant(new int[] {0, 2, 1}));
    return tf.reshape(perFeature, Tensors.batchShape(tf, new int[] {features * p}));
  }

  private Operand<T> logDet(Ops tf, ElementwiseTransform.Elementwise<T> out) {
    return Tensors.sumPerExample(tf, out.logDerivative(), 1);
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    if (spec().direction() == AutoregressiveDirection.MAF) {
      ElementwiseTransform.Elementwise<T> out = map.forward(tf, x, parameters(tf, x, context));
      return new Transformed<>(out.value(), logDet(tf, out));
    }
    // IAF density: z = τ(x; θ(z)), one sweep per feature.
    Operand<T> z = x;
    ElementwiseTransform.Elementwise<T> out = null;
    for (int sweep = 0; sweep < features; sweep++) {
      out = map.forward(tf, x, parameters(tf, z, context));
      z = out.value();
    }
    return new Transformed<>(z, logDet(tf, out));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> z, PassContext<T> context) {
    if (spec().direction() == AutoregressiveDirection.IAF) {
      ElementwiseTransform.Elementwise<T> out = map.inverse(tf, z, parameters(tf, z, context));
      return new Transformed<>(out.value(), logDet(tf, out));
    }
    // MAF sampling: x = τ⁻¹(z; θ(x)), one sweep per feature.
    Operand<T> x = z;
    ElementwiseTransform.Elementwise<T> out = null;
    for (int sweep = 0; sweep < features; sweep++) {
      out = map.inverse(tf, z, parameters(tf, x, context));
      x = out.value();
    }
    return new Transformed<>(x, logDet(tf, out));
  }

  @Override
  public List<Variable<T>> variables() {
    return net.variables();
  }
}
