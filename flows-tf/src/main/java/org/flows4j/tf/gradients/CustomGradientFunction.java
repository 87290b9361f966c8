package org.flows4j.tf.gradients;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;

/**
 * The gradient of one {@link CustomGradient#identityWithGradient custom-gradient} node.
 *
 * <p>It runs while TensorFlow builds gradients and holds the graph lock, so it must follow the rules of every
 * gradient function:
 *
 * <ul>
 *   <li>build ops only with the given {@code tf} (it adds them to the gradient's name scope);
 *   <li>never read a static shape ({@code Output.shape()}, {@code Operand.shape()}): build shapes with
 *       {@code tf.shape}; never call {@code tf.gradients} (compute what you need beforehand and pass it in as an
 *       extra input of the node, or capture it);
 *   <li>return exactly one operand per input of {@code op}, with that input's dtype. {@code null} is accepted and
 *       means "no gradient": it becomes {@code tf.zerosLike(input)}.
 * </ul>
 *
 * <p>An exception thrown here does not corrupt the graph: it is logged, the {@code tf.gradients} call that
 * triggered it fails, and {@link SafeGradients} rethrows it as the cause.
 */
@FunctionalInterface
public interface CustomGradientFunction {

  /**
   * @param tf ops in the gradient scope of the graph being differentiated
   * @param op the {@code IdentityN} node: {@code op.input(i)} is the i-th input, {@code op.output(i)} the i-th
   *     output (same value)
   * @param upstream the gradient flowing into each output of {@code op}, one per input (zeros for outputs nobody
   *     consumed)
   * @return one gradient per input of {@code op}
   */
  List<Operand<?>> gradients(Ops tf, GraphOperation op, List<Output<?>> upstream);
}
