package org.flows4j.tf.gradients;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;

/**
 * A Java gradient for one op type: given the op and the upstream gradients (one per op output, never missing: the
 * C++ builder fills {@code ZerosLike} for outputs nobody consumed), returns exactly one operand per op input.
 *
 * <p>Rules (see DESIGN.md): never ask for a static shape ({@code Output.shape()}) here, build shapes with ops;
 * never return {@code null} (use zeros for non-differentiable inputs).
 */
@FunctionalInterface
interface GradientFunction {
  List<Operand<?>> apply(Ops tf, GraphOperation op, List<Output<?>> upstream);
}
