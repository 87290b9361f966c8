package org.flows4j.tf;

import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.ndarray.buffer.DoubleDataBuffer;
import org.tensorflow.ndarray.buffer.FloatDataBuffer;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/** Moves row-major Java arrays in and out of tensors. The caller closes the tensors it gets. */
public final class HostTensors {
  private HostTensors() {}

  /** A float tensor of the given type from row-major doubles (rounded when the type is float32). */
  @SuppressWarnings("unchecked")
  public static <T extends TFloating> T of(Class<T> type, double[] values, long... shape) {
    checkSize(values.length, shape);
    if (type == TFloat64.class) {
      return (T) TFloat64.tensorOf(Shape.of(shape), DataBuffers.of(values));
    }
    if (type == TFloat32.class) {
      float[] floats = new float[values.length];
      for (int i = 0; i < values.length; i++) {
        floats[i] = (float) values[i];
      }
      return (T) TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(floats));
    }
    throw new IllegalArgumentException("only float32 and float64 are supported, got " + type.getSimpleName());
  }

  /** A float32 tensor from row-major floats. */
  public static TFloat32 float32(float[] values, long... shape) {
    checkSize(values.length, shape);
    return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(values));
  }

  /** A {@code [2]} int64 seed for stateless random ops: {@link Seeds#hostSeed}. */
  public static TInt64 seed(long seed) {
    return Seeds.hostSeed(seed);
  }

  /** The tensor's values, row-major, as doubles. Works for float32/64, int32/64 and bool (1/0). */
  public static double[] toDoubles(Tensor tensor) {
    int n = (int) tensor.shape().size();
    double[] out = new double[n];
    if (tensor instanceof TFloat64 t) {
      DoubleDataBuffer buffer = DataBuffers.ofDoubles(n);
      t.copyTo(buffer);
      buffer.read(out);
    } else if (tensor instanceof TFloat32 t) {
      FloatDataBuffer buffer = DataBuffers.ofFloats(n);
      t.copyTo(buffer);
      float[] floats = new float[n];
      buffer.read(floats);
      for (int i = 0; i < n; i++) {
        out[i] = floats[i];
      }
    } else if (tensor instanceof TInt32 t) {
      for (int i = 0; i < n; i++) {
        out[i] = t.getInt(unravel(t.shape(), i));
      }
    } else if (tensor instanceof TInt64 t) {
      for (int i = 0; i < n; i++) {
        out[i] = t.getLong(unravel(t.shape(), i));
      }
    } else if (tensor instanceof TBool t) {
      for (int i = 0; i < n; i++) {
        out[i] = t.getBoolean(unravel(t.shape(), i)) ? 1 : 0;
      }
    } else {
      throw new IllegalArgumentException("cannot read " + tensor.dataType() + " as doubles");
    }
    return out;
  }

  /** The single value of a scalar (or one-element) tensor. */
  public static double toDouble(Tensor tensor) {
    double[] values = toDoubles(tensor);
    if (values.length != 1) {
      throw new IllegalArgumentException("expected one value, got " + values.length);
    }
    return values[0];
  }

  private static long[] unravel(Shape shape, int flat) {
    long[] index = new long[shape.numDimensions()];
    long rest = flat;
    for (int axis = index.length - 1; axis >= 0; axis--) {
      long size = shape.get(axis);
      index[axis] = rest % size;
      rest /= size;
    }
    return index;
  }

  private static void checkSize(int length, long[] shape) {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    if (size != length) {
      throw new IllegalArgumentException(
          "shape " + java.util.Arrays.toString(shape) + " holds " + size + " values, but got " + length);
    }
  }
}
