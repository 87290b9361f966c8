package org.flows4j.tf.gradients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.flows4j.tf.gradients.TfTestSupport.eval;
import static org.flows4j.tf.gradients.TfTestSupport.maxAbsDiff;

import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.global.tensorflow;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

class GradientRegistryTest {

  @Test
  void registersEveryMissingGradientOnce() {
    GradientRegistry.ensureRegistered();
    Set<String> registered = GradientRegistry.registeredOpTypes();
    GradientRegistry.ensureRegistered();
    assertThat(GradientRegistry.registeredOpTypes()).isSameAs(registered);
    assertThat(registered)
        .contains("TanhGrad", "SigmoidGrad", "SoftplusGrad", "EluGrad", "ReluGrad", "Conv2DBackpropFilter",
            "MatrixInverse", "LogMatrixDeterminant", "MatrixTriangularSolve", "OnesLike", "IdentityN",
            "BiasAddGrad", "Cholesky", "MatrixSolve", "MatrixDiagV3", "MatrixSetDiagV3", "Round");
    assertThat(GradientRegistry.skippedOpTypes()).contains("Conv2DBackpropInput");
    assertThat(union(registered, GradientRegistry.skippedOpTypes()))
        .containsExactlyInAnyOrderElementsOf(GradientRegistry.supportedOpTypes());
    for (String type : GradientRegistry.supportedOpTypes()) {
      assertThat(tensorflow.TFJ_HasGradient(type)).as(type).isTrue();
    }
    System.out.println("[registry] registered " + registered.size() + ": " + registered);
    System.out.println("[registry] skipped (native gradient exists): " + GradientRegistry.skippedOpTypes());
  }

  /** The Java gradient of Conv2DBackpropInput (not registered: TF has one) agrees with the native one. */
  @Test
  void conv2dBackpropInputFallbackMatchesNativeGradient() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> w = tf.constant(Shape.of(3, 3, 2, 3),
          DataBuffers.of(FiniteDifferenceCheck.uniform(1, 54, -1, 1)));
      Operand<TFloat64> dy = tf.constant(Shape.of(1, 4, 4, 3),
          DataBuffers.of(FiniteDifferenceCheck.uniform(2, 48, -1, 1)));
      Operand<TFloat64> up = tf.constant(Shape.of(1, 8, 8, 2),
          DataBuffers.of(FiniteDifferenceCheck.uniform(3, 128, -1, 1)));
      Operand<TFloat64> x = tf.nn.conv2dBackpropInput(tf.constant(new int[] {1, 8, 8, 2}), w, dy,
          List.of(1L, 2L, 2L, 1L), "SAME");
      List<Operand<?>> nativeGrads = SafeGradients.gradientsOrZeros(tf, x, List.of(w, dy), up);
      List<Operand<?>> javaGrads = ConvolutionGradients.conv2dBackpropInput(tf, (GraphOperation) x.op(),
          List.<Output<?>>of(up.asOutput()));
      List<double[]> v = eval(s, nativeGrads.get(0), nativeGrads.get(1), javaGrads.get(1), javaGrads.get(2));
      double errW = maxAbsDiff(v.get(0), v.get(2));
      double errDy = maxAbsDiff(v.get(1), v.get(3));
      System.out.printf("[registry] Conv2DBackpropInput java vs native: max|err| filter %.3e, out_backprop %.3e%n",
          errW, errDy);
      assertThat(errW).isLessThan(1e-12);
      assertThat(errDy).isLessThan(1e-12);
    }
  }

  /** The gradients are dtype-generic: float32 second-order and linear-algebra gradients agree with float64. */
  @Test
  void float32GradientsAgreeWithFloat64() {
    double[] x = FiniteDifferenceCheck.awayFromZero(7, 9, 0.2, 1.5);
    double[] a = FiniteDifferenceCheck.wellConditioned(8, 1, 3, 3);
    double[] f64 = secondOrderAndLinalg(TFloat64.class, x, a);
    double[] f32 = secondOrderAndLinalg(TFloat32.class, x, a);
    double err = maxAbsDiff(f64, f32);
    System.out.printf("[registry] float32 vs float64 (second order of 5 activations, logdet, cholesky): %.3e%n", err);
    assertThat(err).isLessThan(1e-4);
  }

  private static <T extends TFloating> double[] secondOrderAndLinalg(Class<T> type, double[] xs, double[] as) {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<T> x = tf.dtypes.cast(tf.constant(Shape.of(3, 3), DataBuffers.of(xs)), type);
      Operand<T> a = tf.dtypes.cast(tf.constant(Shape.of(3, 3), DataBuffers.of(as)), type);
      Operand<T> one = tf.dtypes.cast(tf.constant(1.0), type);
      List<BiFunction<Ops, Operand<T>, Operand<T>>> acts =
          List.of((t, v) -> t.math.tanh(v), (t, v) -> t.math.sigmoid(v), (t, v) -> t.math.softplus(v),
              (t, v) -> t.nn.elu(v), (t, v) -> t.nn.softsign(v));
      Operand<?>[] fetches = new Operand<?>[acts.size() + 2];
      for (int i = 0; i < acts.size(); i++) {
        Operand<T> y = acts.get(i).apply(tf, x);
        Operand<?> d1 = SafeGradients.gradientsOrZeros(tf, y, List.of(x), tf.math.square(x)).get(0);
        fetches[i] = SafeGradients.gradientsOrZeros(tf, d1, List.of(x)).get(0);
      }
      Operand<T> logDet = tf.linalg.logMatrixDeterminant(a).logAbsDeterminant();
      fetches[acts.size()] = SafeGradients.gradientsOrZeros(tf, logDet, List.of(a), one).get(0);
      Operand<T> spd = tf.math.add(tf.linalg.matMul(a, a, org.tensorflow.op.linalg.MatMul.transposeB(true)),
          tf.dtypes.cast(tf.constant(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}), type));
      Operand<T> l = tf.linalg.cholesky(spd);
      fetches[acts.size() + 1] =
          SafeGradients.gradientsOrZeros(tf, tf.sum(tf.reshape(tf.math.square(l), tf.constant(new int[] {-1})),
              tf.constant(0)), List.of(a), one).get(0);
      List<double[]> v = eval(s, fetches);
      return v.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new java.util.LinkedHashSet<>(a);
    u.addAll(b);
    return u;
  }

}
