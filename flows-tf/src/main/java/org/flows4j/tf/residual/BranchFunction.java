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
 *
 * <p>Products are taken against a {@link BranchJacobian} built once per input by {@link #linearize}: a series of
 * n products then costs n passes through the transposed (or plain) linear maps and no forward pass.
 */
interface BranchFunction<T extends TFloating> {
  /** {@code g(x)} and the Jacobian at x, sharing one forward pass. */
  record Linearized<T extends TFloating>(Operand<T> output, BranchJacobian<T> jacobian) {}

  /** {@code g(x)}. */
  Operand<T> forward(Ops tf, Operand<T> x, List<Operand<T>> weights);

  /** {@code g(x)} and its Jacobian at x. */
  Linearized<T> linearize(Ops tf, Operand<T> x, List<Operand<T>> weights);

  /** {@code uᵀ J}, shaped like the branch's input. */
  Operand<T> vjp(Ops tf, BranchJacobian<T> jacobian, Operand<T> u);

  /** {@code J v}, shaped like the branch's input. */
  Operand<T> jvp(Ops tf, BranchJacobian<T> jacobian, Operand<T> v);

  /** {@code uᵀ J_g(x)}, shaped like x. */
  default Operand<T> vjp(Ops tf, Operand<T> x, List<Operand<T>> weights, Operand<T> u) {
    return vjp(tf, linearize(tf, x, weights).jacobian(), u);
  }

  /** {@code J_g(x) v}, shaped like x. */
  default Operand<T> jvp(Ops tf, Operand<T> x, List<Operand<T>> weights, Operand<T> v) {
    return jvp(tf, linearize(tf, x, weights).jacobian(), v);
  }
}
