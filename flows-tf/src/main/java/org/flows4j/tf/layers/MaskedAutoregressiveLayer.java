package org.flows4j.tf.layers;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.transform.RationalQuadraticSpline;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.flows4j.tf.graph.WhileLoop;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * MAF and IAF on vectors. With {@code θ = MADE(c)} and the spec's elementwise map {@code τ(u; θ)} (affine, as in
 * {@link AffineElementwise}, or a rational-quadratic spline) and its inverse {@code τ⁻¹(v; θ)}:
 *
 * <ul>
 *   <li>MAF, c = x: forward {@code z = τ(x; θ(x))} in one pass; inverse solves {@code x = τ⁻¹(z; θ(x))}.
 *   <li>IAF, c = z: inverse {@code x = τ⁻¹(z; θ(z))} in one pass; forward solves {@code z = τ(x; θ(z))}.
 * </ul>
 *
 * The solve is the fixed-point sweep {@code u ← map(u)}, started at the known side and run d times: output i
 * depends only on the features visited before i, so sweep k makes the k-th visited feature exact and after d
 * sweeps the result is exact (not approximate). Log-det: the sum of the elementwise log-derivatives ({@code ±Σ log
 * s} for the affine map), from the parameters of the last sweep (computed from features that are all exact by
 * then).
 *
 * <ul>
 *   <li>MAF sampling runs the first d − 1 sweeps in a functional while loop ({@link WhileLoop}, the MADE's weights
 *       as loop variables), so its graph does not grow with d, then the last sweep outside it for the value and the
 *       log-det. Sampling needs no gradient, and the loop gives none: only the last sweep's dependence on the
 *       weights (not through the solved features) is differentiable.
 *   <li>IAF density is still unrolled, d sweeps in the graph: training needs its exact gradient, which a loop
 *       cannot give (TensorFlow has no gradient for While); a loop would need the implicit-function gradient
 *       {@code ḡ(I − ∂τ/∂z)⁻¹} written by hand.
 * </ul>
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
    return layout(tf, net.apply(tf, c, context.condition()));
  }

  /** The MADE's raw output in the map's layout (regrouped per feature for a spline). */
  private Operand<T> layout(Ops tf, Operand<T> raw) {
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
    // MAF sampling: x = τ⁻¹(z; θ(x)), d − 1 sweeps in the loop, the last one here.
    Operand<T> x = sweeps(tf, z, context.condition(), features - 1);
    ElementwiseTransform.Elementwise<T> out = map.inverse(tf, z, parameters(tf, x, context));
    return new Transformed<>(out.value(), logDet(tf, out));
  }

  /**
   * {@code sweeps} MAF sampling sweeps {@code x ← τ⁻¹(z; θ(x))} from {@code x = z}, in a while loop whose variables
   * are 0 the sweep, 1 x, 2 z, then the MADE's weights, then the condition if there is one.
   */
  private Operand<T> sweeps(Ops tf, Operand<T> z, @Nullable Operand<T> condition, int sweeps) {
    List<Operand<?>> initial = new ArrayList<>(List.of(tf.constant(0), z, z));
    List<Operand<T>> weights = net.weights(tf);
    initial.addAll(weights);
    if (condition != null) {
      initial.add(condition);
    }
    int weightCount = weights.size();
    List<Operand<?>> out = WhileLoop.run(tf, "maf_inverse", initial,
        (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(sweeps)),
        (f, vars) -> {
          Operand<T> x = WhileLoop.get(vars, 1);
          Operand<T> target = WhileLoop.get(vars, 2);
          List<Operand<T>> all = WhileLoop.getFrom(vars, 3);
          List<Operand<T>> ws = all.subList(0, weightCount);
          Operand<T> c = all.size() > weightCount ? all.get(weightCount) : null;
          Operand<T> next = map.inverse(f, target, layout(f, net.apply(f, x, c, ws))).value();
          List<Operand<?>> vars2 = new ArrayList<>(vars);
          vars2.set(0, f.math.add(WhileLoop.<TInt32>get(vars, 0), f.constant(1)));
          vars2.set(1, next);
          return vars2;
        });
    return WhileLoop.get(out, 1);
  }

  @Override
  public List<Variable<T>> variables() {
    return net.variables();
  }
}
