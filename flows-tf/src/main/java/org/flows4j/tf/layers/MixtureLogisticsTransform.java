package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.tf.graph.WhileLoop;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceMax;
import org.tensorflow.op.core.ReduceMin;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.core.Squeeze;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Flow++'s elementwise transform (Ho et al. 2019, §3.1), applied to every scalar {@code x} of a tensor with its own
 * mixture of {@code K} logistics and affine {@code (a, b)}:
 *
 * <pre>
 *   F(x)  = Σ_k π_k σ((x − μ_k) / s_k)          π = softmax(logits), s_k = exp(max(log s_k, −7))
 *   y     = exp(a) · σ⁻¹(F(x)) + b
 *   log|dy/dx| = a + log f(x) − log F(x) − log(1 − F(x)),   f(x) = Σ_k π_k σ'(z_k) / s_k
 * </pre>
 *
 * Everything is computed in log space: {@code log σ(z) = −softplus(−z)}, and since {@code 1 − σ(z) = σ(−z)},
 * {@code log(1 − F) = logsumexp_k(log π_k − softplus(z_k))} is evaluated directly rather than by subtracting F from
 * 1. So {@code σ⁻¹(F) = log F − log(1 − F)} stays finite and accurate where F is within rounding of 0 or 1 (no clamp
 * of F is needed, and none distorts the log-det).
 *
 * <p>The inverse solves {@code σ⁻¹(F(x)) = (y − b)·exp(−a)} by bisection in a functional while loop, comparing in
 * logit space (accurate in both tails). The bracket is exact, not searched: with {@code t} the target logit,
 * {@code u = |t| + 1} and {@code s_max = max_k s_k}, every component has {@code σ(z_k) ≥ σ(u)} at
 * {@code μ_max + s_max·u}, so {@code σ⁻¹(F) ≥ u > t} there; symmetrically at {@code μ_min − s_max·u}. The loop stops
 * when every bracket is narrower than the tolerance or can no longer shrink (its midpoint rounds to an end, which
 * happens for tolerances below the float's resolution), or after {@code maxIterations}. The result is the
 * midpoint, behind {@code stopGradient}.
 */
final class MixtureLogisticsTransform {
  /** Flow++ clamps log-scales from below at −7 so components cannot become arbitrarily sharp. */
  static final double MIN_LOG_SCALE = -7.0;

  private MixtureLogisticsTransform() {}

  /**
   * The transform's parameters for a tensor of scalars of shape {@code S}: {@code logits}, {@code means} and
   * {@code logScales} have shape {@code S + [K]}, {@code logA} and {@code shift} (a and b) shape {@code S}.
   */
  record Mixture<T extends TFloating>(
      Operand<T> logits, Operand<T> means, Operand<T> logScales, Operand<T> logA, Operand<T> shift) {}

  /** An elementwise result: the values and {@code log|dy/dx|} per scalar, both of shape {@code S}. */
  record Elementwise<T extends TFloating>(Operand<T> value, Operand<T> logDet) {}

  /** The inverse's result: {@code x}, {@code log|dx/dy|} per scalar, and the bisection iterations run. */
  record Inversion<T extends TFloating>(Operand<T> value, Operand<T> logDet, Operand<TInt32> iterations) {}

  /** {@code x ↦ (y, log|dy/dx|)} elementwise. */
  static <T extends TFloating> Elementwise<T> forward(Ops tf, Operand<T> x, Mixture<T> mixture, Class<T> type) {
    Operand<T> logPi = logSoftmax(tf, mixture.logits());
    Operand<T> logScales = clampLogScales(tf, mixture.logScales(), type);
    Operand<T> x1 = tf.expandDims(x, tf.constant(-1));
    Operand<T> z = standardize(tf, x1, mixture.means(), logScales);
    Operand<T> logCdf = logCdf(tf, logPi, z);
    Operand<T> logSurvival = logSurvival(tf, logPi, z);
    // log σ'(z) = log σ(z) + log σ(−z) = −softplus(−z) − softplus(z); the density also carries the 1/s_k.
    Operand<T> logPdf = logSumExp(tf, tf.math.sub(tf.math.sub(logPi, logScales),
        tf.math.add(tf.math.softplus(tf.math.neg(z)), tf.math.softplus(z))));
    Operand<T> logit = squeezeLast(tf, tf.math.sub(logCdf, logSurvival));
    Operand<T> y = tf.math.add(tf.math.mul(tf.math.exp(mixture.logA()), logit), mixture.shift());
    Operand<T> logDet = tf.math.add(mixture.logA(),
        squeezeLast(tf, tf.math.sub(logPdf, tf.math.add(logCdf, logSurvival))));
    return new Elementwise<>(y, logDet);
  }

  /**
   * {@code y ↦ (x, log|dx/dy|)} elementwise by bisection. {@code x} carries no gradient (it comes out of a loop);
   * the log-det is minus the forward one at {@code x} and does reach the parameters.
   */
  static <T extends TFloating> Inversion<T> inverse(Ops tf, Operand<T> y, Mixture<T> mixture, Class<T> type,
      double tolerance, int maxIterations) {
    Operand<T> logPi = tf.stopGradient(logSoftmax(tf, mixture.logits()));
    Operand<T> means = tf.stopGradient(mixture.means());
    Operand<T> logScales = tf.stopGradient(clampLogScales(tf, mixture.logScales(), type));
    Operand<T> target = tf.stopGradient(tf.expandDims(
        tf.math.mul(tf.math.sub(y, mixture.shift()), tf.math.exp(tf.math.neg(mixture.logA()))), tf.constant(-1)));

    Operand<T> radius = tf.math.mul(tf.math.exp(tf.reduceMax(logScales, tf.constant(-1), ReduceMax.keepDims(true))),
        tf.math.add(tf.math.abs(target), Tensors.scalar(tf, 1.0, type)));
    Operand<T> lo = tf.math.sub(tf.reduceMin(means, tf.constant(-1), ReduceMin.keepDims(true)), radius);
    Operand<T> hi = tf.math.add(tf.reduceMax(means, tf.constant(-1), ReduceMax.keepDims(true)), radius);

    List<Operand<?>> loop = WhileLoop.run(tf, "mixture_logistics_bisection",
        List.of(tf.constant(0), lo, hi, target, logPi, means, logScales),
        (f, vars) -> {
          Operand<TInt32> i = WhileLoop.get(vars, 0);
          Operand<T> l = WhileLoop.get(vars, 1);
          Operand<T> h = WhileLoop.get(vars, 2);
          Operand<T> mid = midpoint(f, l, h, type);
          Operand<TBool> active = f.math.logicalAnd(
              f.math.greater(f.math.sub(h, l), Tensors.scalar(f, tolerance, type)),
              f.math.logicalAnd(f.math.notEqual(mid, l), f.math.notEqual(mid, h)));
          Operand<TBool> anyActive = f.reduceAny(f.reshape(active, f.constant(new int[] {-1})), f.constant(0));
          return f.math.logicalAnd(f.math.less(i, f.constant(maxIterations)), anyActive);
        },
        (f, vars) -> {
          Operand<TInt32> i = WhileLoop.get(vars, 0);
          Operand<T> l = WhileLoop.get(vars, 1);
          Operand<T> h = WhileLoop.get(vars, 2);
          Operand<T> t = WhileLoop.get(vars, 3);
          Operand<T> pi = WhileLoop.get(vars, 4);
          Operand<T> mu = WhileLoop.get(vars, 5);
          Operand<T> ls = WhileLoop.get(vars, 6);
          Operand<T> mid = midpoint(f, l, h, type);
          Operand<T> z = standardize(f, mid, mu, ls);
          Operand<T> logit = f.math.sub(logCdf(f, pi, z), logSurvival(f, pi, z));
          Operand<TBool> below = f.math.less(logit, t);
          return List.of(f.math.add(i, f.constant(1)), f.select(below, mid, l), f.select(below, h, mid),
              t, pi, mu, ls);
        });
    Operand<T> x = squeezeLast(tf, midpoint(tf, WhileLoop.<T>get(loop, 1), WhileLoop.<T>get(loop, 2), type));
    Operand<T> logDet = tf.math.neg(forward(tf, x, mixture, type).logDet());
    return new Inversion<>(x, logDet, WhileLoop.get(loop, 0));
  }

  private static <T extends TFloating> Operand<T> midpoint(Ops tf, Operand<T> lo, Operand<T> hi, Class<T> type) {
    return tf.math.add(lo, tf.math.mul(tf.math.sub(hi, lo), Tensors.scalar(tf, 0.5, type)));
  }

  private static <T extends TFloating> Operand<T> clampLogScales(Ops tf, Operand<T> logScales, Class<T> type) {
    return tf.math.maximum(logScales, Tensors.scalar(tf, MIN_LOG_SCALE, type));
  }

  /** {@code z_k = (x − μ_k) · exp(−log s_k)}, {@code x} with a trailing axis of 1. */
  private static <T extends TFloating> Operand<T> standardize(
      Ops tf, Operand<T> x1, Operand<T> means, Operand<T> logScales) {
    return tf.math.mul(tf.math.sub(x1, means), tf.math.exp(tf.math.neg(logScales)));
  }

  /** {@code log F = logsumexp_k(log π_k + log σ(z_k))}, {@code log σ(z) = −softplus(−z)}; trailing axis kept. */
  private static <T extends TFloating> Operand<T> logCdf(Ops tf, Operand<T> logPi, Operand<T> z) {
    return logSumExp(tf, tf.math.sub(logPi, tf.math.softplus(tf.math.neg(z))));
  }

  /** {@code log(1 − F) = logsumexp_k(log π_k + log σ(−z_k))}; trailing axis kept. */
  private static <T extends TFloating> Operand<T> logSurvival(Ops tf, Operand<T> logPi, Operand<T> z) {
    return logSumExp(tf, tf.math.sub(logPi, tf.math.softplus(z)));
  }

  private static <T extends TFloating> Operand<T> logSoftmax(Ops tf, Operand<T> logits) {
    return tf.math.sub(logits, logSumExp(tf, logits));
  }

  /**
   * {@code log Σ_k exp(v_k)} over the last axis, kept with size 1. The shift by the maximum is behind
   * {@code stopGradient}: the result does not depend on it, and the gradient builder need not cross a Max.
   */
  private static <T extends TFloating> Operand<T> logSumExp(Ops tf, Operand<T> v) {
    Operand<T> max = tf.stopGradient(tf.reduceMax(v, tf.constant(-1), ReduceMax.keepDims(true)));
    Operand<T> sum = tf.reduceSum(tf.math.exp(tf.math.sub(v, max)), tf.constant(-1), ReduceSum.keepDims(true));
    return tf.math.add(max, tf.math.log(sum));
  }

  private static <T extends TFloating> Operand<T> squeezeLast(Ops tf, Operand<T> x) {
    return tf.squeeze(x, Squeeze.axis(List.of(-1L)));
  }
}
