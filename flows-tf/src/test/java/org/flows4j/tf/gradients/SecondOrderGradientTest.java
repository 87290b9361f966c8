package org.flows4j.tf.gradients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.flows4j.tf.gradients.FiniteDifferenceCheck.awayFromZero;
import static org.flows4j.tf.gradients.FiniteDifferenceCheck.uniform;
import static org.flows4j.tf.gradients.FiniteDifferenceCheck.wellConditioned;
import static org.flows4j.tf.gradients.GradientFiniteDifferenceTest.f64;
import static org.flows4j.tf.gradients.GradientFiniteDifferenceTest.in;

import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import org.flows4j.tf.gradients.FiniteDifferenceCheck.GraphFunction;
import org.flows4j.tf.gradients.FiniteDifferenceCheck.Input;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;

/**
 * Second-order derivatives: the function checked is itself a gradient (a vector–Jacobian product built with
 * {@code tf.gradients}), so its derivative goes through the {@code *Grad} ops the registry provides.
 */
class SecondOrderGradientTest {

  private static final double TOLERANCE = GradientFiniteDifferenceTest.TOLERANCE;

  /**
   * f(x) = vjp of act at x with upstream u(x) = x² + 0.5: d/dx [u(x)·act′(x)], which needs both inputs of the
   * activation's *Grad op (its y/features input through x, its dy input through u).
   */
  @ParameterizedTest
  @ValueSource(strings = {"tanh", "sigmoid", "softplus", "elu", "selu", "softsign", "relu", "sqrt", "rsqrt",
      "reciprocal"})
  void vjpOfActivationMatchesFiniteDifferences(String activation) {
    String gradOp =
        switch (activation) {
          case "tanh" -> "TanhGrad";
          case "sigmoid" -> "SigmoidGrad";
          case "softplus" -> "SoftplusGrad";
          case "elu" -> "EluGrad";
          case "selu" -> "SeluGrad";
          case "softsign" -> "SoftsignGrad";
          case "relu" -> "ReluGrad";
          case "sqrt" -> "SqrtGrad";
          case "rsqrt" -> "RsqrtGrad";
          case "reciprocal" -> "ReciprocalGrad";
          default -> throw new IllegalArgumentException(activation);
        };
    boolean positive = activation.equals("sqrt") || activation.equals("rsqrt");
    double[] x = positive ? uniform(300, 9, 0.5, 2) : awayFromZero(301, 9, 0.2, 1.8);
    check(
        "second order " + activation + " (" + gradOp + ")",
        gradOp,
        (tf, in) -> {
          Operand<TFloat64> xx = in.get(0);
          Operand<TFloat64> y = activation(tf, activation, xx);
          Operand<TFloat64> upstream = tf.math.add(tf.math.square(xx), tf.constant(0.5));
          return f64(SafeGradients.gradientsOrZeros(tf, y, List.of(xx), upstream).get(0));
        },
        List.of(in("x", Shape.of(3, 3), x)));
  }

  /**
   * A gradient penalty on a conv layer: f(x, W, b) = (∂L/∂W)², (∂L/∂b)², (∂L/∂x)² for L = Σ softplus(conv(x, W) + b).
   * Differentiating f goes through Conv2DBackpropFilter (∂L/∂W), BiasAddGrad (∂L/∂b), Conv2DBackpropInput (∂L/∂x) and
   * SoftplusGrad.
   */
  @Test
  void gradientPenaltyOfConvLayer() {
    check(
        "gradient penalty conv+bias+softplus",
        "Conv2DBackpropFilter",
        (tf, in) -> {
          Operand<TFloat64> x = in.get(0);
          Operand<TFloat64> w = in.get(1);
          Operand<TFloat64> b = in.get(2);
          Operand<TFloat64> pre = tf.nn.biasAdd(tf.nn.conv2d(x, w, List.of(1L, 1L, 1L, 1L), "SAME"), b);
          Operand<TFloat64> loss = tf.sum(tf.reshape(tf.math.softplus(pre), tf.constant(new int[] {-1})),
              tf.constant(0));
          List<Operand<?>> g = SafeGradients.gradientsOrZeros(tf, loss, List.of(w, b, x), tf.constant(1.0));
          return tf.concat(
              List.of(flatSquare(tf, g.get(0)), flatSquare(tf, g.get(1)), flatSquare(tf, g.get(2))), tf.constant(0));
        },
        List.of(
            in("x", Shape.of(1, 4, 4, 2), uniform(310, 32, -1, 1)),
            in("W", Shape.of(3, 3, 2, 2), uniform(311, 36, -0.5, 0.5)),
            in("b", Shape.of(2), uniform(312, 2, -0.5, 0.5))));
  }

  /** f(A) = ∂ log|det A| / ∂A = A⁻ᵀ: its derivative goes through the MatrixInverse gradient. */
  @Test
  void hessianOfLogDeterminant() {
    check(
        "second order log|det| (MatrixInverse)",
        "MatrixInverse",
        (tf, in) -> {
          Operand<TFloat64> a = in.get(0);
          Operand<TFloat64> logDet = tf.linalg.logMatrixDeterminant(a).logAbsDeterminant();
          return f64(SafeGradients.gradientsOrZeros(tf, logDet, List.of(a), tf.constant(new double[] {1.0, -0.5}))
              .get(0));
        },
        List.of(in("A", Shape.of(2, 3, 3), wellConditioned(320, 2, 3, 3))));
  }

  /** f(x) = ∂ Σ v ⊙ x[1:, ::2]³ / ∂x: contains StridedSliceGrad, whose gradient scatters back. */
  @Test
  void secondOrderThroughStridedSlice() {
    check(
        "second order strided slice (StridedSliceGrad)",
        "StridedSliceGrad",
        (tf, in) -> {
          Operand<TFloat64> x = in.get(0);
          Operand<TFloat64> s = tf.stridedSlice(x, tf.constant(new int[] {1, 0}), tf.constant(new int[] {3, 4}),
              tf.constant(new int[] {1, 2}));
          Operand<TFloat64> cube = tf.math.mul(tf.math.square(s), s);
          Operand<TFloat64> y = tf.sum(tf.reshape(cube, tf.constant(new int[] {-1})), tf.constant(0));
          return f64(SafeGradients.gradientsOrZeros(tf, y, List.of(x), tf.constant(1.0)).get(0));
        },
        List.of(in("x", Shape.of(3, 4), uniform(330, 12, -1, 1))));
  }

  /** f(x) = ∂ Σ diag(x)³ / ∂x, through MatrixDiagPartV2 and its gradient MatrixSetDiagV3. */
  @Test
  void secondOrderThroughDiagonals() {
    check(
        "second order diagonal (MatrixSetDiagV3)",
        "MatrixSetDiagV3",
        (tf, in) -> {
          Operand<TFloat64> x = in.get(0);
          Operand<TFloat64> d = tf.linalg.matrixDiagPart(x, tf.constant(0), tf.constant(0.0));
          Operand<TFloat64> y =
              tf.sum(tf.reshape(tf.math.mul(tf.math.square(d), d), tf.constant(new int[] {-1})), tf.constant(0));
          return f64(SafeGradients.gradientsOrZeros(tf, y, List.of(x), tf.constant(1.0)).get(0));
        },
        List.of(in("x", Shape.of(2, 3, 3), uniform(340, 18, -1, 1))));
  }

  /** Third order: the derivative of the second derivative of tanh, through the gradient of TanhGrad's gradient. */
  @Test
  void thirdOrderTanh() {
    check(
        "third order tanh",
        "TanhGrad",
        (tf, in) -> {
          Operand<TFloat64> x = in.get(0);
          Operand<TFloat64> first = f64(SafeGradients.gradientsOrZeros(tf, tf.math.tanh(x), List.of(x),
              tf.math.add(x, tf.constant(2.0))).get(0));
          return f64(SafeGradients.gradientsOrZeros(tf, first, List.of(x), tf.math.exp(x)).get(0));
        },
        List.of(in("x", Shape.of(2, 3), uniform(350, 6, -1, 1))));
  }

  private static Operand<TFloat64> flatSquare(Ops tf, Operand<?> g) {
    return tf.reshape(tf.math.square(f64(g)), tf.constant(new int[] {-1}));
  }

  private static Operand<TFloat64> activation(Ops tf, String name, Operand<TFloat64> x) {
    BiFunction<Ops, Operand<TFloat64>, Operand<TFloat64>> f =
        switch (name) {
          case "tanh" -> (t, v) -> t.math.tanh(v);
          case "sigmoid" -> (t, v) -> t.math.sigmoid(v);
          case "softplus" -> (t, v) -> t.math.softplus(v);
          case "elu" -> (t, v) -> t.nn.elu(v);
          case "selu" -> (t, v) -> t.nn.selu(v);
          case "softsign" -> (t, v) -> t.nn.softsign(v);
          case "relu" -> (t, v) -> t.nn.relu(v);
          case "sqrt" -> (t, v) -> t.math.sqrt(v);
          case "rsqrt" -> (t, v) -> t.math.rsqrt(v);
          case "reciprocal" -> (t, v) -> t.math.reciprocal(v);
          default -> throw new IllegalArgumentException(name);
        };
    return f.apply(tf, x);
  }

  private static void check(String name, String expectedOpType, GraphFunction f, List<Input> inputs) {
    Set<String> types = ConcurrentHashMap.newKeySet();
    GraphFunction recording =
        (tf, in) -> {
          Operand<TFloat64> out = f.apply(tf, in);
          Iterator<GraphOperation> ops = ((Graph) tf.scope().env()).operations();
          while (ops.hasNext()) {
            types.add(ops.next().type());
          }
          return out;
        };
    FiniteDifferenceCheck.Result r = FiniteDifferenceCheck.create().check(name, recording, inputs);
    assertThat(types).as("op types in the graph of %s", name).contains(expectedOpType);
    r.assertMaxAbsErrorAtMost(TOLERANCE);
  }
}
