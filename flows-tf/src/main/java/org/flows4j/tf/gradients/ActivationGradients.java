package org.flows4j.tf.gradients;

import static org.flows4j.tf.gradients.GradientSupport.input;
import static org.flows4j.tf.gradients.GradientSupport.negative;
import static org.flows4j.tf.gradients.GradientSupport.scalar;
import static org.flows4j.tf.gradients.GradientSupport.upstream;
import static org.flows4j.tf.gradients.GradientSupport.where;
import static org.flows4j.tf.gradients.GradientSupport.zeros;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TNumber;

/**
 * Gradients of the {@code *Grad} ops that the first-order gradients of activations emit. They are what second-order
 * derivatives (gradient penalties, the Neumann gradient of residual flows) differentiate. Notation: {@code ḡ} is the
 * upstream gradient of the op's single output.
 */
final class ActivationGradients {

  private ActivationGradients() {}

  /**
   * {@code TanhGrad(y, dy) = dy · (1 − y²)} (y = tanh x). ∂/∂y = −2·y·dy·ḡ, ∂/∂dy = ḡ·(1 − y²) =
   * TanhGrad(y, ḡ).
   */
  static <T extends TNumber> List<Operand<?>> tanhGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> y = input(op, 0);
    Operand<T> dy = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> gradY = tf.math.mul(scalar(tf, -2.0, y), tf.math.mul(y, tf.math.mul(dy, g)));
    Operand<T> gradDy = tf.math.tanhGrad(y, g);
    return List.of(gradY, gradDy);
  }

  /**
   * {@code SigmoidGrad(y, dy) = dy · y · (1 − y)} (y = σ(x)). ∂/∂y = ḡ·dy·(1 − 2y), ∂/∂dy = ḡ·y·(1 − y) =
   * SigmoidGrad(y, ḡ).
   */
  static <T extends TNumber> List<Operand<?>> sigmoidGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> y = input(op, 0);
    Operand<T> dy = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> oneMinusTwoY = tf.math.sub(scalar(tf, 1.0, y), tf.math.mul(scalar(tf, 2.0, y), y));
    Operand<T> gradY = tf.math.mul(tf.math.mul(g, dy), oneMinusTwoY);
    Operand<T> gradDy = tf.math.sigmoidGrad(y, g);
    return List.of(gradY, gradDy);
  }

  /**
   * {@code SoftplusGrad(gradients, features) = gradients · σ(features)}. ∂/∂gradients = ḡ·σ(f) = SoftplusGrad(ḡ, f),
   * ∂/∂features = ḡ·gradients·σ(f)·(1 − σ(f)).
   */
  static <T extends TNumber> List<Operand<?>> softplusGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> gradients = input(op, 0);
    Operand<T> features = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> gradGradients = tf.math.softplusGrad(g, features);
    Operand<T> sig = tf.math.sigmoid(features);
    Operand<T> gradFeatures = tf.math.mul(tf.math.mul(g, gradients), tf.math.mul(sig, tf.math.sub(scalar(tf, 1.0, sig), sig)));
    return List.of(gradGradients, gradFeatures);
  }

  /**
   * {@code EluGrad(gradients, outputs) = gradients · (outputs < 0 ? outputs + 1 : 1)} (ELU with α = 1, outputs =
   * elu(x)). ∂/∂gradients = EluGrad(ḡ, outputs), ∂/∂outputs = (outputs < 0 ? ḡ·gradients : 0).
   */
  static <T extends TNumber> List<Operand<?>> eluGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> gradients = input(op, 0);
    Operand<T> outputs = input(op, 1);
    Operand<T> g = upstream(up, 0);
    return List.of(
        tf.nn.eluGrad(g, outputs), where(tf, negative(tf, outputs), tf.math.mul(g, gradients)));
  }

  /**
   * {@code SeluGrad(gradients, outputs) = gradients · (outputs < 0 ? outputs + λα : λ)}. ∂/∂gradients =
   * SeluGrad(ḡ, outputs), ∂/∂outputs = (outputs < 0 ? ḡ·gradients : 0).
   */
  static <T extends TNumber> List<Operand<?>> seluGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> gradients = input(op, 0);
    Operand<T> outputs = input(op, 1);
    Operand<T> g = upstream(up, 0);
    return List.of(
        tf.nn.seluGrad(g, outputs), where(tf, negative(tf, outputs), tf.math.mul(g, gradients)));
  }

  /**
   * {@code ReluGrad(gradients, features) = gradients · [features > 0]}. ∂/∂gradients = ReluGrad(ḡ, features),
   * ∂/∂features = 0 (piecewise constant mask).
   */
  static <T extends TNumber> List<Operand<?>> reluGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> features = input(op, 1);
    Operand<T> g = upstream(up, 0);
    return List.of(tf.nn.reluGrad(g, features), zeros(tf, features));
  }

  /**
   * {@code Relu6Grad(gradients, features) = gradients · [0 < features < 6]}. ∂/∂gradients = Relu6Grad(ḡ, features),
   * ∂/∂features = 0.
   */
  static <T extends TNumber> List<Operand<?>> relu6Grad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> features = input(op, 1);
    Operand<T> g = upstream(up, 0);
    return List.of(tf.nn.relu6Grad(g, features), zeros(tf, features));
  }

  /**
   * {@code SoftsignGrad(gradients, features) = gradients / (1 + |f|)²}. ∂/∂gradients = SoftsignGrad(ḡ, f),
   * ∂/∂features = −2·ḡ·gradients·sign(f) / (1 + |f|)³.
   */
  static <T extends TNumber> List<Operand<?>> softsignGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> gradients = input(op, 0);
    Operand<T> features = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> onePlusAbs = tf.math.add(scalar(tf, 1.0, features), tf.math.abs(features));
    Operand<T> cube = tf.math.mul(onePlusAbs, tf.math.square(onePlusAbs));
    Operand<T> numerator =
        tf.math.mul(scalar(tf, -2.0, features), tf.math.mul(tf.math.mul(g, gradients), tf.math.sign(features)));
    return List.of(tf.nn.softsignGrad(g, features), tf.math.div(numerator, cube));
  }

  /** {@code SqrtGrad(y, dy) = dy / (2y)} (y = √x). ∂/∂y = −ḡ·dy / (2y²), ∂/∂dy = SqrtGrad(y, ḡ) = ḡ / (2y). */
  static <T extends TNumber> List<Operand<?>> sqrtGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> y = input(op, 0);
    Operand<T> dy = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> gradY =
        tf.math.div(tf.math.mul(scalar(tf, -0.5, y), tf.math.mul(g, dy)), tf.math.square(y));
    return List.of(gradY, tf.math.sqrtGrad(y, g));
  }

  /** {@code RsqrtGrad(y, dy) = −dy·y³/2} (y = 1/√x). ∂/∂y = −(3/2)·ḡ·dy·y², ∂/∂dy = RsqrtGrad(y, ḡ). */
  static <T extends TNumber> List<Operand<?>> rsqrtGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> y = input(op, 0);
    Operand<T> dy = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> gradY = tf.math.mul(scalar(tf, -1.5, y), tf.math.mul(tf.math.mul(g, dy), tf.math.square(y)));
    return List.of(gradY, tf.math.rsqrtGrad(y, g));
  }

  /**
   * {@code ReciprocalGrad(y, dy) = −dy·y²} (y = 1/x; {@code InvGrad} is the same op under its old name). ∂/∂y =
   * −2·ḡ·dy·y, ∂/∂dy = −ḡ·y² = ReciprocalGrad(y, ḡ).
   */
  static <T extends TNumber> List<Operand<?>> reciprocalGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> y = input(op, 0);
    Operand<T> dy = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> gradY = tf.math.mul(scalar(tf, -2.0, y), tf.math.mul(tf.math.mul(g, dy), y));
    return List.of(gradY, tf.math.reciprocalGrad(y, g));
  }
}
