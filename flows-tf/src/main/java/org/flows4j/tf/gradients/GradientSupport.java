package org.flows4j.tf.gradients;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.BroadcastGradientArgs;
import org.tensorflow.op.train.BatchMatMul;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TNumber;
import org.tensorflow.types.family.TType;

/**
 * Small helpers shared by the gradient functions. Everything here builds ops only; nothing reads static shapes
 * (that would deadlock while the gradient builder holds the graph lock).
 */
final class GradientSupport {

  private GradientSupport() {}

  /** Input {@code i} of {@code op}, typed by the caller (the dtype is checked by TF when the op is built). */
  @SuppressWarnings("unchecked")
  static <T extends TType> Operand<T> input(GraphOperation op, int i) {
    return (Operand<T>) op.input(i);
  }

  /** Output {@code i} of {@code op}, typed by the caller. */
  @SuppressWarnings("unchecked")
  static <T extends TType> Operand<T> output(GraphOperation op, int i) {
    return (Operand<T>) op.output(i);
  }

  /** Upstream gradient {@code i}, typed by the caller. */
  @SuppressWarnings("unchecked")
  static <T extends TType> Operand<T> upstream(List<Output<?>> upstream, int i) {
    return (Operand<T>) upstream.get(i);
  }

  /** A scalar constant with the dtype of {@code like}. */
  static <T extends TType> Operand<T> scalar(Ops tf, double value, Operand<T> like) {
    return tf.dtypes.cast(tf.constant(value), like.type());
  }

  /** Zeros shaped like {@code x}: the gradient of an input that has none (integer shapes, indices, ...). */
  static <T extends TType> Operand<T> zeros(Ops tf, Operand<T> x) {
    return tf.zerosLike(x);
  }

  /** {@code x < 0}, elementwise. */
  static <T extends TNumber> Operand<TBool> negative(Ops tf, Operand<T> x) {
    return tf.math.less(x, scalar(tf, 0.0, x));
  }

  /** {@code cond ? a : 0}, elementwise. */
  static <T extends TType> Operand<T> where(Ops tf, Operand<TBool> cond, Operand<T> a) {
    return tf.select(cond, a, tf.zerosLike(a));
  }

  /** Batched matrix product {@code op(a) · op(b)} with optional transposes of the last two axes (real dtypes). */
  static <T extends TType> Operand<T> matmul(
      Ops tf, Operand<T> a, boolean transposeA, Operand<T> b, boolean transposeB) {
    return tf.train.batchMatMul(a, b, a.type(), BatchMatMul.adjX(transposeA), BatchMatMul.adjY(transposeB));
  }

  /** Swaps the last two axes of a tensor of any rank ≥ 2, with the permutation built from {@code tf.rank}. */
  static <T extends TType> Operand<T> transposeLastTwo(Ops tf, Operand<T> x) {
    Operand<TInt32> rank = tf.rank(x);
    Operand<TInt32> leading = tf.range(tf.constant(0), tf.math.sub(rank, tf.constant(2)), tf.constant(1));
    Operand<TInt32> perm =
        tf.concat(
            List.of(leading, tf.reshape(tf.math.sub(rank, tf.constant(1)), tf.constant(new int[] {1})),
                tf.reshape(tf.math.sub(rank, tf.constant(2)), tf.constant(new int[] {1}))),
            tf.constant(0));
    return tf.linalg.transpose(x, perm);
  }

  /** Appends two unit axes: {@code [...] -> [..., 1, 1]}, to scale a batch of matrices by a batch of scalars. */
  static <T extends TType> Operand<T> expandLastTwo(Ops tf, Operand<T> x) {
    return tf.expandDims(tf.expandDims(x, tf.constant(-1)), tf.constant(-1));
  }

  /** Lower triangle (with diagonal) of each matrix of a batch. */
  static <T extends TType> Operand<T> lower(Ops tf, Operand<T> x) {
    return tf.linalg.bandPart(x, tf.constant(-1), tf.constant(0));
  }

  /** Upper triangle (with diagonal) of each matrix of a batch. */
  static <T extends TType> Operand<T> upper(Ops tf, Operand<T> x) {
    return tf.linalg.bandPart(x, tf.constant(0), tf.constant(-1));
  }

  /** Diagonal part (as a matrix with zeros elsewhere) of each matrix of a batch. */
  static <T extends TType> Operand<T> diagonalBand(Ops tf, Operand<T> x) {
    return tf.linalg.bandPart(x, tf.constant(0), tf.constant(0));
  }

  /**
   * Sums broadcast gradients back to the shapes of the two operands of an elementwise binary op: numpy
   * broadcasting means {@code x} received the sum over the axes along which it was repeated.
   */
  static <T extends TType, U extends TType> List<Operand<?>> reduceBroadcast(
      Ops tf, Operand<T> x, Operand<T> gradX, Operand<U> y, Operand<U> gradY) {
    Operand<TInt32> shapeX = tf.shape(x);
    Operand<TInt32> shapeY = tf.shape(y);
    BroadcastGradientArgs<TInt32> axes = tf.broadcastGradientArgs(shapeX, shapeY);
    Operand<T> gx = tf.reshape(tf.sum(gradX, axes.r0()), shapeX);
    Operand<U> gy = tf.reshape(tf.sum(gradY, axes.r1()), shapeY);
    return List.of(gx, gy);
  }

  /**
   * Like {@link #reduceBroadcast} for batched matrix operands {@code [..., m, n]}: only the batch axes (all but the
   * last two) broadcast, so the reduction axes come from the batch parts of the two shapes.
   */
  static <T extends TType> List<Operand<?>> reduceBatchBroadcast(
      Ops tf, Operand<T> a, Operand<T> gradA, Operand<T> b, Operand<T> gradB) {
    Operand<TInt32> shapeA = tf.shape(a);
    Operand<TInt32> shapeB = tf.shape(b);
    BroadcastGradientArgs<TInt32> axes =
        tf.broadcastGradientArgs(batchPart(tf, shapeA), batchPart(tf, shapeB));
    Operand<T> ga = tf.reshape(tf.sum(gradA, axes.r0()), shapeA);
    Operand<T> gb = tf.reshape(tf.sum(gradB, axes.r1()), shapeB);
    return List.of(ga, gb);
  }

  /** {@code shape[:-2]}, built with ops. */
  private static Operand<TInt32> batchPart(Ops tf, Operand<TInt32> shape) {
    Operand<TInt32> rank = tf.shape(shape);
    Operand<TInt32> length = tf.math.sub(rank, tf.constant(new int[] {2}));
    return tf.slice(shape, tf.constant(new int[] {0}), length);
  }
}
