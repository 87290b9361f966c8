package org.flows4j.tf.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/** Small op-building helpers shared by the layers, generic over the float type. */
public final class Tensors {
  private Tensors() {}

  /**
   * A scalar constant of the given float type. float32 and float64 constants are built in their type directly (one
   * op, not a float64 constant and a cast: a deep flow has thousands of these, and every op costs graph-building
   * and graph-optimisation time); Java's {@code (float)} rounds to nearest like TensorFlow's cast.
   */
  @SuppressWarnings("unchecked")
  public static <T extends TFloating> Operand<T> scalar(Ops tf, double value, Class<T> type) {
    if (type == TFloat32.class) {
      return (Operand<T>) tf.constant((float) value);
    }
    if (type == TFloat64.class) {
      return (Operand<T>) tf.constant(value);
    }
    return tf.dtypes.cast(tf.constant(value), type);
  }

  /**
   * A constant tensor of the given float type from row-major doubles: one op in float32 and float64, and in bfloat16
   * when every value is a bfloat16 (such as 0/1 kernels), so that a while loop's body does not cast a wider constant
   * on every iteration. Other bfloat16 constants are a cast, which rounds to nearest (TF Java's bfloat16 buffers
   * truncate).
   */
  @SuppressWarnings("unchecked")
  public static <T extends TFloating> Operand<T> constant(Ops tf, double[] values, long[] shape, Class<T> type) {
    org.tensorflow.ndarray.Shape dims = org.tensorflow.ndarray.Shape.of(shape);
    if (type == TFloat64.class) {
      return (Operand<T>) tf.constant(dims, org.tensorflow.ndarray.buffer.DataBuffers.of(values));
    }
    if (type == TFloat32.class) {
      return (Operand<T>) tf.constant(dims, org.tensorflow.ndarray.buffer.DataBuffers.of(toFloats(values)));
    }
    if (type == TBfloat16.class && exactInBfloat16(values)) {
      try (TBfloat16 tensor =
          TBfloat16.tensorOf(dims, org.tensorflow.ndarray.buffer.DataBuffers.of(toFloats(values)))) {
        return (Operand<T>) tf.constantOf(tensor);
      }
    }
    return tf.dtypes.cast(tf.constant(dims, org.tensorflow.ndarray.buffer.DataBuffers.of(values)), type);
  }

  private static float[] toFloats(double[] values) {
    float[] floats = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      floats[i] = (float) values[i];
    }
    return floats;
  }

  private static boolean exactInBfloat16(double[] values) {
    for (double v : values) {
      // bfloat16 is float32's upper half: exact when the float is exact and its low 16 bits are zero.
      if ((float) v != v || (Float.floatToRawIntBits((float) v) & 0xFFFF) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Sums every axis, whatever the rank: a scalar. */
  public static <T extends TFloating> Operand<T> sumAll(Ops tf, Operand<T> x) {
    return tf.reduceSum(x, tf.range(tf.constant(0), tf.rank(x), tf.constant(1)));
  }

  /** Sums every axis but the batch axis: {@code [batch, ...] → [batch]}. */
  public static <T extends TFloating> Operand<T> sumPerExample(Ops tf, Operand<T> x, int rank) {
    if (rank == 0) {
      return x;
    }
    int[] axes = new int[rank];
    for (int i = 0; i < rank; i++) {
      axes[i] = i + 1;
    }
    return tf.reduceSum(x, tf.constant(axes));
  }

  /** A per-example vector {@code [batch]} filled with a scalar, sized like {@code x}'s batch. */
  public static <T extends TFloating> Operand<T> perExample(Ops tf, Operand<T> scalar, Operand<T> x) {
    return tf.fill(batchDimension(tf, x), scalar);
  }

  /** {@code x}'s batch size as a one-element vector {@code [batch]}, for building shapes. */
  public static Operand<TInt32> batchDimension(Ops tf, Operand<?> x) {
    return tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
  }

  /** {@code x}'s batch size as a scalar. */
  public static Operand<TInt32> batchSize(Ops tf, Operand<?> x) {
    return tf.reshape(batchDimension(tf, x), tf.constant(new int[0]));
  }

  /**
   * Zeros of a static shape. Not {@code tf.zeros}: TensorFlow Java's helper opens a name sub-scope, which scans the
   * whole graph each time and made building large flows quadratic.
   */
  public static <T extends TFloating> Operand<T> zeros(Ops tf, long[] shape, Class<T> type) {
    return tf.fill(tf.constant(shape), scalar(tf, 0.0, type));
  }

  /** Zeros of shape {@code [batch]}. */
  public static <T extends TFloating> Operand<T> zerosPerExample(Ops tf, Operand<T> x, Class<T> type) {
    return perExample(tf, scalar(tf, 0.0, type), x);
  }

  /** The shape {@code [-1, dims...]}, for reshaping a batch to a known per-example shape. */
  public static Operand<TInt32> batchShape(Ops tf, int[] dims) {
    int[] shape = new int[dims.length + 1];
    shape[0] = -1;
    System.arraycopy(dims, 0, shape, 1, dims.length);
    return tf.constant(shape);
  }
}
