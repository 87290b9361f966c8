package org.flows4j.tf.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * The compiled elementwise bijection of a coupling ({@link org.flows4j.api.transform.CouplingTransform}), mapping
 * each scalar of the transformed part with the parameters the conditioner computed for it. Built by
 * {@link ElementwiseTransforms#create}.
 *
 * <p>{@code parameters} is the conditioner's output, {@code [batch, ...part dims but the last, P·F]} with F the
 * features of the transformed part and P {@link #parametersPerScalar()}; how the P·F values are laid out is the
 * transform's own business (it fixes which conditioner outputs mean what, so it must not change once weights are
 * saved). Where a checkerboard mask passes the input through, the parameters are zero and the coupling keeps the
 * input there whatever the transform returns.
 */
interface ElementwiseTransform<T extends TFloating> {
  int parametersPerScalar();

  /** {@code x ↦ (y, log|∂y/∂x|)} elementwise, both shaped like {@code x}. */
  Elementwise<T> forward(Ops tf, Operand<T> x, Operand<T> parameters);

  /** {@code y ↦ (x, log|∂x/∂y|)} elementwise, both shaped like {@code y}. */
  Elementwise<T> inverse(Ops tf, Operand<T> y, Operand<T> parameters);

  /** A transformed tensor and the log of the elementwise derivative, same shape. */
  record Elementwise<T extends TFloating>(Operand<T> value, Operand<T> logDerivative) {}
}
