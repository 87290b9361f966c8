package org.flows4j.tf.residual;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * The residual branch g as a pure function of its input and a flat list of weight tensors (already normalised),
 * with its vector–Jacobian and Jacobian–vector products. Pure, so the same code builds ops in the main graph (with
 * the live weights) and inside while-loop bodies (with the weights passed in as loop variables, since loops cannot
 * capture outer tensors).
 */
interface BranchFunction<T extends TFloating> {
  /** {@code g(x)}. */
  Operand<T> forward(Ops tf, Operand<T> x, List<Operand<T>> weights);

  /** {@code uᵀ J_g(x)}, shaped like x. */
  Operand<T> vjp(Ops tf, Operand<T> x, List<Operand<T>> weights, Operand<T> u);

  /** {@code J_g(x) v}, shaped like x. */
  Operand<T> jvp(Ops tf, Operand<T> x, List<Operand<T>> weights, Operand<T> v);
}
