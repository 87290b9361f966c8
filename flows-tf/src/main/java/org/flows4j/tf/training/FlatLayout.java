package org.flows4j.tf.training;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * The trainer's per-weight state (gradient accumulators, optimizer slots, the weight average) laid end to end in one
 * flat vector, in the order of the trainable variables.
 *
 * <p>Why flat: kept per weight, that state cost about 56 graph ops per trainable variable (its variables,
 * initialisers, reads, updates, finiteness checks, norms). A 100-block Residual Flow has 1500 trainable variables,
 * so the trainer alone added 84k ops, which TensorFlow builds, initialises and prepares before the first step. Flat,
 * each weight costs a reshape into the vector and a slice-and-assign back out, whatever the optimizer.
 */
final class FlatLayout<T extends TFloating> {
  private final Class<T> type;
  private final List<long[]> shapes = new ArrayList<>();
  private final long[] sizes;
  private final long[] offsets;
  private final long size;
  /** Built once, outside any control dependencies, and shared by every flatten and split. */
  private final Operand<TInt32> flatShape;
  private final List<Operand<TInt32>> shapeConstants = new ArrayList<>();
  private final @Nullable Operand<TInt64> sizeConstant;

  /** {@code tf} builds the layout's constants, so it must carry no control dependencies. */
  FlatLayout(Ops tf, List<Variable<T>> variables, Class<T> type) {
    this.type = type;
    sizes = new long[variables.size()];
    offsets = new long[variables.size()];
    long total = 0;
    for (int i = 0; i < variables.size(); i++) {
      long[] shape = variables.get(i).shape().asArray();
      long count = 1;
      for (long d : shape) {
        Preconditions.checkArgument(d >= 0, "trainable variable %s has no static shape",
            variables.get(i).op().name());
        count *= d;
      }
      shapes.add(shape);
      sizes[i] = count;
      offsets[i] = total;
      total += count;
    }
    size = total;
    flatShape = tf.constant(new int[] {-1});
    for (long[] shape : shapes) {
      int[] dims = new int[shape.length];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = Math.toIntExact(shape[i]);
      }
      shapeConstants.add(tf.constant(dims));
    }
    sizeConstant = shapes.size() > 1 ? tf.constant(sizes) : null;
  }

  /** Where variable i's numbers start in the vector. */
  long offset(int i) {
    return offsets[i];
  }

  /** A zero vector, for an initialiser. */
  Operand<T> zeros(Ops init) {
    return Tensors.zeros(init, new long[] {size}, type);
  }

  /** Each tensor (one per variable, shaped like it) as a vector. */
  List<Operand<T>> flatten(Ops tf, List<? extends Operand<T>> parts) {
    Preconditions.checkArgument(parts.size() == shapes.size(), "%s parts for %s variables", parts.size(),
        shapes.size());
    List<Operand<T>> flattened = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      // A vector is already flat; a variable's value passes as it is.
      flattened.add(shapes.get(i).length == 1 ? parts.get(i) : tf.reshape(parts.get(i), flatShape));
    }
    return flattened;
  }

  /** {@link #flatten}'s vectors end to end. */
  Operand<T> join(Ops tf, List<Operand<T>> flattened) {
    if (flattened.isEmpty()) {
      return Tensors.zeros(tf, new long[] {0}, type);
    }
    return flattened.size() == 1 ? flattened.get(0) : tf.concat(flattened, tf.constant(0));
  }

  /** The vector cut back into one tensor per variable, shaped like it (one split for all). */
  List<Operand<T>> split(Ops tf, Operand<T> vector) {
    List<Operand<T>> parts = new ArrayList<>();
    if (shapes.isEmpty()) {
      return parts;
    }
    List<Operand<T>> pieces = new ArrayList<>();
    if (shapes.size() == 1) {
      pieces.add(vector);
    } else {
      pieces.addAll(tf.splitV(vector, sizeConstant, tf.constant(0), (long) shapes.size()).output());
    }
    for (int i = 0; i < shapes.size(); i++) {
      parts.add(shapes.get(i).length == 1 ? pieces.get(i) : tf.reshape(pieces.get(i), shapeConstants.get(i)));
    }
    return parts;
  }

  /** The variables' current values as one vector. */
  Operand<T> read(Ops tf, List<Variable<T>> variables) {
    return join(tf, flatten(tf, variables));
  }
}
