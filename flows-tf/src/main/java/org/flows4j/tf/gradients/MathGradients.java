package org.flows4j.tf.gradients;

import static org.flows4j.tf.gradients.GradientSupport.input;
import static org.flows4j.tf.gradients.GradientSupport.reduceBroadcast;
import static org.flows4j.tf.gradients.GradientSupport.scalar;
import static org.flows4j.tf.gradients.GradientSupport.upstream;
import static org.flows4j.tf.gradients.GradientSupport.zeros;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.family.TNumber;
import org.tensorflow.types.family.TType;

/** Gradients of elementwise math ops. Binary ops broadcast: their gradients are summed back to each input shape. */
final class MathGradients {

  private MathGradients() {}

  /**
   * {@code Round}, {@code Rint}, {@code Ceil}: piecewise constant, derivative 0 wherever it exists. (Dequantisation
   * noise and straight-through estimators must be built explicitly, e.g. {@code x + stopGradient(round(x) − x)}.)
   */
  static <T extends TType> List<Operand<?>> piecewiseConstant(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> x = input(op, 0);
    return List.of(zeros(tf, x));
  }

  /**
   * {@code Xlogy(x, y) = x·log y}, defined as 0 where x = 0. ∂/∂x = log y, except 0 where x = 0 and y = 0 (on the
   * line x = 0 the function is identically 0); ∂/∂y = x / y, 0 where x = 0 (Xdivy(x, y)).
   */
  static <T extends TNumber> List<Operand<?>> xlogy(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> x = input(op, 0);
    Operand<T> y = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> mask = notBothEqual(tf, x, 0.0, y, 0.0);
    Operand<T> gx = tf.math.mul(g, tf.math.xlogy(mask, y));
    Operand<T> gy = tf.math.mul(g, tf.math.xdivy(x, y));
    return reduceBroadcast(tf, x, gx, y, gy);
  }

  /**
   * {@code Xdivy(x, y) = x / y}, defined as 0 where x = 0. ∂/∂x = 1 / y, except 0 where x = 0 and y = 0; ∂/∂y =
   * −x / y², 0 where x = 0.
   */
  static <T extends TNumber> List<Operand<?>> xdivy(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> x = input(op, 0);
    Operand<T> y = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> mask = notBothEqual(tf, x, 0.0, y, 0.0);
    Operand<T> gx = tf.math.mul(g, tf.math.xdivy(mask, y));
    Operand<T> gy = tf.math.mul(g, tf.math.xdivy(tf.math.neg(x), tf.math.square(y)));
    return reduceBroadcast(tf, x, gx, y, gy);
  }

  /**
   * {@code Xlog1py(x, y) = x·log(1 + y)}, defined as 0 where x = 0. ∂/∂x = log(1 + y), except 0 where x = 0 and
   * y = −1; ∂/∂y = x / (1 + y), 0 where x = 0.
   */
  static <T extends TNumber> List<Operand<?>> xlog1py(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> x = input(op, 0);
    Operand<T> y = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> mask = notBothEqual(tf, x, 0.0, y, -1.0);
    Operand<T> gx = tf.math.mul(g, tf.math.xlog1py(mask, y));
    Operand<T> gy = tf.math.mul(g, tf.math.xdivy(x, tf.math.add(scalar(tf, 1.0, y), y)));
    return reduceBroadcast(tf, x, gx, y, gy);
  }

  /**
   * {@code MulNoNan(x, y) = x·y}, defined as 0 where y = 0 (even if x is inf or nan). ∂/∂x = ḡ·y (MulNoNan(ḡ, y)),
   * ∂/∂y = ḡ·x (MulNoNan(x, ḡ): 0 where ḡ = 0, so a nan x without upstream gradient stays harmless).
   */
  static <T extends TType> List<Operand<?>> mulNoNan(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> x = input(op, 0);
    Operand<T> y = input(op, 1);
    Operand<T> g = upstream(up, 0);
    return reduceBroadcast(tf, x, tf.math.mulNoNan(g, y), y, tf.math.mulNoNan(x, g));
  }

  /** {@code Erfc(x) = 1 − erf(x)}: ∂/∂x = −(2/√π)·exp(−x²). */
  static <T extends TNumber> List<Operand<?>> erfc(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> x = input(op, 0);
    Operand<T> g = upstream(up, 0);
    Operand<T> density = tf.math.exp(tf.math.neg(tf.math.square(x)));
    return List.of(tf.math.mul(tf.math.mul(scalar(tf, -2.0 / Math.sqrt(Math.PI), x), density), g));
  }

  /** {@code Digamma(x) = ψ(x)}: ∂/∂x = ψ′(x) = Polygamma(1, x). */
  static <T extends TNumber> List<Operand<?>> digamma(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> x = input(op, 0);
    Operand<T> g = upstream(up, 0);
    return List.of(tf.math.mul(g, tf.math.polygamma(scalar(tf, 1.0, x), x)));
  }

  /**
   * {@code Polygamma(a, x) = ψ⁽ᵃ⁾(x)}: ∂/∂x = ψ⁽ᵃ⁺¹⁾(x); the order a only takes integer values, its gradient is 0.
   */
  static <T extends TNumber> List<Operand<?>> polygamma(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> a = input(op, 0);
    Operand<T> x = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> gx = tf.math.mul(g, tf.math.polygamma(tf.math.add(a, scalar(tf, 1.0, a)), x));
    Operand<T> ga = tf.zerosLike(gx);
    return reduceBroadcast(tf, a, ga, x, gx);
  }

  /** 1 where not (x = xValue and y = yValue), 0 there; broadcast to the common shape of x and y. */
  private static <T extends TNumber> Operand<T> notBothEqual(
      Ops tf, Operand<T> x, double xValue, Operand<T> y, double yValue) {
    Operand<TBool> both =
        tf.math.logicalAnd(tf.math.equal(x, scalar(tf, xValue, x)), tf.math.equal(y, scalar(tf, yValue, y)));
    return tf.dtypes.cast(tf.math.logicalNot(both), x.type());
  }
}
