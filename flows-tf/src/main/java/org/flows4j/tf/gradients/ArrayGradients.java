package org.flows4j.tf.gradients;

import static org.flows4j.tf.gradients.GradientSupport.input;
import static org.flows4j.tf.gradients.GradientSupport.upstream;
import static org.flows4j.tf.gradients.GradientSupport.zeros;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.OperationAttributeInspector;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.StridedSlice;
import org.tensorflow.types.family.TNumber;
import org.tensorflow.types.family.TType;

/** Gradients of array ops. */
final class ArrayGradients {

  private ArrayGradients() {}

  /** {@code OnesLike(x)} does not depend on the values of x: ∂/∂x = 0. */
  static <T extends TType> List<Operand<?>> onesLike(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> x = input(op, 0);
    return List.of(zeros(tf, x));
  }

  /**
   * {@code StridedSliceGrad(shape, begin, end, strides, dy)} scatters dy into zeros of the given shape at the
   * positions StridedSlice(·, begin, end, strides) reads (same masks). Its adjoint reads them back: ∂/∂dy =
   * StridedSlice(Ḡ, begin, end, strides, masks); zeros for the integer shape, begin, end and strides.
   */
  static <T extends TType, I extends TNumber> List<Operand<?>> stridedSliceGrad(
      Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<I> shape = input(op, 0);
    Operand<I> begin = input(op, 1);
    Operand<I> end = input(op, 2);
    Operand<I> strides = input(op, 3);
    Operand<T> g = upstream(up, 0);
    OperationAttributeInspector attrs = op.attributes();
    Operand<T> gradDy =
        tf.stridedSlice(
            g,
            begin,
            end,
            strides,
            StridedSlice.beginMask(attrs.getAttrInt("begin_mask")),
            StridedSlice.endMask(attrs.getAttrInt("end_mask")),
            StridedSlice.ellipsisMask(attrs.getAttrInt("ellipsis_mask")),
            StridedSlice.newAxisMask(attrs.getAttrInt("new_axis_mask")),
            StridedSlice.shrinkAxisMask(attrs.getAttrInt("shrink_axis_mask")));
    return List.of(zeros(tf, shape), zeros(tf, begin), zeros(tf, end), zeros(tf, strides), gradDy);
  }
}
