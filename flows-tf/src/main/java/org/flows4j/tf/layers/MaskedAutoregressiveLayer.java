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
import org.flows4j.tf.gradients.CustomGradient;
import org.flows4j.tf.gradients.SafeGradients;
import org.flows4j.tf.graph.WhileLoop;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.TriangularSolve;
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
 *   <li>IAF density runs all d sweeps in the same kind of loop, so its graph does not grow with d either (151 ops
 *       for a 16-16 MADE at d = 4 and at d = 32, 427 with its gradient: {@code IafImplicitGradientTest}). Its
 *       gradient, which the loop cannot give, is the implicit one: a per-instance custom gradient
 *       ({@link CustomGradient}) maps the upstream gradient ḡ of z to u with {@code (I − ∂G/∂z)ᵀ u = ḡ}, one
 *       triangular solve per example (the Jacobian of {@code G(z) = τ(x; θ(z))} is strictly triangular in
 *       visiting order), and back-propagates u through one application of G with z held at the solution.
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
    // IAF density: z = τ(x; θ(z)), d sweeps in a loop, with the implicit gradient; the log-det from θ(z).
    Operand<T> solved = sweeps(tf, x, context.condition(), features, true);
    Operand<T> z = withImplicitGradient(tf, x, solved, context.condition());
    ElementwiseTransform.Elementwise<T> out = map.forward(tf, x, parameters(tf, z, context));
    return new Transformed<>(z, logDet(tf, out));
  }

  /**
   * The solved IAF output {@code z*} ({@code solved}, from the loop, without gradient) as a value whose gradient is
   * the implicit one. With {@code G(z) = τ(x; θ(z))} and {@code J = ∂G/∂z} at z* (strictly triangular in visiting
   * order), {@code dz* = (I − J)⁻¹ (∂G/∂x dx + ∂G/∂W dW + ∂G/∂c dc)}. So the upstream gradient ḡ is mapped to
   * {@code u} with {@code (I − J)ᵀ u = ḡ} (one triangular solve per example: back-substitution), and u is
   * back-propagated through one differentiable application {@code G(z*, x, W, c)} with z* held fixed, which gives
   * {@code uᵀ∂G/∂x}, {@code uᵀ∂G/∂W} and {@code uᵀ∂G/∂c}. The matrix {@code I − Jᵀ} is built here, in the forward
   * graph, from the MADE's closed-form Jacobian ({@link MadeNet#inputJacobian}) and the map's derivatives with
   * respect to its parameters; ops run only when the gradient is fetched. It cannot be a loop built inside the
   * gradient function: attaching a loop's functions to the graph takes the graph lock that TensorFlow's gradient
   * builder holds.
   */
  @SuppressWarnings("unchecked")
  private Operand<T> withImplicitGradient(Ops tf, Operand<T> x, Operand<T> solved, @Nullable Operand<T> condition) {
    List<Operand<T>> ws = net.weights(tf);
    Operand<T> raw = net.apply(tf, solved, condition, ws);
    Operand<T> mapped = map.forward(tf, x, layout(tf, raw)).value();
    Operand<T> system = tf.stopGradient(adjointSystem(tf, x, solved, raw, mapped, condition, ws));
    int[] order = spec().order().visitingOrder(features);
    int[] position = new int[features];
    for (int k = 0; k < features; k++) {
      position[order[k]] = k;
    }
    int d = features;
    List<Output<?>> out = CustomGradient.identityWithGradient(tf, List.of(solved, mapped, system),
        (g, op, upstream) -> {
          Operand<T> upstreamZ = (Operand<T>) upstream.get(0);
          Operand<T> rhs = g.expandDims(g.gather(upstreamZ, g.constant(order), g.constant(1)), g.constant(2));
          Operand<T> permuted = g.linalg.triangularSolve((Operand<T>) op.input(2), rhs, TriangularSolve.lower(false));
          Operand<T> u = g.gather(g.reshape(permuted, g.constant(new int[] {-1, d})), g.constant(position),
              g.constant(1));
          return List.of(g.zerosLike(op.input(0)), u, g.zerosLike(op.input(2)));
        });
    return (Operand<T>) out.get(0);
  }

  /**
   * {@code I − K'} per example, {@code [batch, d, d]}: {@code K[j, i] = ∂G_i/∂z_j} at z* (the transposed Jacobian),
   * rows and columns permuted to visiting order, where it is strictly upper triangular (feature i reads only the
   * features visited before it). {@code ∂G_i/∂z_j = Σ_p ∂τ_i/∂raw_{p·d+i} · ∂raw_{p·d+i}/∂z_j}: the map's
   * derivative with respect to each of the MADE's raw outputs (one backward pass: τ_i reads only feature i's
   * outputs) times the MADE's Jacobian.
   */
  private Operand<T> adjointSystem(Ops tf, Operand<T> x, Operand<T> solved, Operand<T> raw, Operand<T> mapped,
      @Nullable Operand<T> condition, List<Operand<T>> ws) {
    int d = features;
    int p = map.parametersPerScalar();
    Operand<T> made = net.inputJacobian(tf, solved, condition, ws); // [batch, d (z_j), P·d]
    Operand<T> mapDerivative = (Operand<T>) SafeGradients.gradientsOrZeros(tf, mapped, List.of(raw)).get(0);
    Operand<T> products = tf.math.mul(made, tf.expandDims(mapDerivative, tf.constant(1)));
    Operand<T> transposedJacobian = tf.reduceSum(tf.reshape(products, tf.constant(new int[] {-1, d, p, d})),
        tf.constant(2)); // [batch, j, i]
    Operand<TInt32> order = tf.constant(spec().order().visitingOrder(d));
    Operand<T> permuted = tf.gather(tf.gather(transposedJacobian, order, tf.constant(1)), order, tf.constant(2));
    double[] eye = new double[d * d];
    for (int i = 0; i < d; i++) {
      eye[i * d + i] = 1;
    }
    return tf.math.sub(Tensors.constant(tf, eye, new long[] {d, d}, type), permuted);
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> z, PassContext<T> context) {
    if (spec().direction() == AutoregressiveDirection.IAF) {
      ElementwiseTransform.Elementwise<T> out = map.inverse(tf, z, parameters(tf, z, context));
      return new Transformed<>(out.value(), logDet(tf, out));
    }
    // MAF sampling: x = τ⁻¹(z; θ(x)), d − 1 sweeps in the loop, the last one here.
    Operand<T> x = sweeps(tf, z, context.condition(), features - 1, false);
    ElementwiseTransform.Elementwise<T> out = map.inverse(tf, z, parameters(tf, x, context));
    return new Transformed<>(out.value(), logDet(tf, out));
  }

  /**
   * {@code sweeps} fixed-point sweeps from {@code u = target}: for IAF density ({@code iafForward})
   * {@code u ← τ(target; θ(u))} with target = x, for MAF sampling {@code u ← τ⁻¹(target; θ(u))} with target = z. A
   * while loop whose variables are 0 the sweep, 1 u, 2 the target, then the MADE's weights, then the condition if
   * there is one; the result carries no gradient.
   */
  private Operand<T> sweeps(Ops tf, Operand<T> target, @Nullable Operand<T> condition, int sweeps,
      boolean iafForward) {
    List<Operand<?>> initial = new ArrayList<>(List.of(tf.constant(0), target, target));
    List<Operand<T>> weights = net.weights(tf);
    initial.addAll(weights);
    if (condition != null) {
      initial.add(condition);
    }
    int weightCount = weights.size();
    List<Operand<?>> out = WhileLoop.run(tf, iafForward ? "iaf_forward" : "maf_inverse", initial,
        (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(sweeps)),
        (f, vars) -> {
          Operand<T> u = WhileLoop.get(vars, 1);
          Operand<T> known = WhileLoop.get(vars, 2);
          List<Operand<T>> all = WhileLoop.getFrom(vars, 3);
          List<Operand<T>> ws = all.subList(0, weightCount);
          Operand<T> c = all.size() > weightCount ? all.get(weightCount) : null;
          Operand<T> theta = layout(f, net.apply(f, u, c, ws));
          Operand<T> next = iafForward ? map.forward(f, known, theta).value() : map.inverse(f, known, theta).value();
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
