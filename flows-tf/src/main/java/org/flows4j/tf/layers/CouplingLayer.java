package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.CouplingStep;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * Every coupling: mask × conditioner × elementwise transform. The {@link CouplingMask} splits the input into the
 * passing part {@code x_a} and the transformed part {@code x_b}; the conditioner computes θ from {@code x_a} (and,
 * in a conditional flow, the pass's condition); the {@link ElementwiseTransform} maps {@code x_b} with θ. Log-det:
 * the sum of the transform's log-derivatives. The inverse runs the conditioner on the passing part of y, equal to
 * that of x, so it sees the same input as the forward pass.
 */
final class CouplingLayer<T extends TFloating> extends AbstractLayer<T, CouplingStep> {
  private final CouplingMask<T> mask;
  private final ElementwiseTransform<T> transform;
  private final ConditionerNet<T> net;

  /**
   * @param conditionFeatures the width of the condition the conditioner receives besides {@code x_a} (0 in an
   *     unconditional flow)
   */
  CouplingLayer(Ops tf, CouplingStep spec, Shape shape, int conditionFeatures, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    this.mask = CouplingMask.create(tf, spec.mask(), shape, type);
    this.transform =
        ElementwiseTransforms.create(spec.transform(), shape.withFeatures(mask.transformedFeatures()), type);
    this.net = ConditionerNet.create(tf, spec.conditioner(), shape, mask.conditionerInFeatures(), conditionFeatures,
        transform.parametersPerScalar() * mask.transformedFeatures(), parameters);
  }

  /** θ for the transformed part, zero where the mask passes the input through. */
  private Operand<T> parameters(Ops tf, Operand<T> x, PassContext<T> context) {
    return mask.maskParameters(tf, net.apply(tf, mask.conditionerInput(tf, x), context));
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> part = mask.transformedPart(tf, x);
    ElementwiseTransform.Elementwise<T> out =
        mask.keepPassing(tf, part, transform.forward(tf, part, parameters(tf, x, context)));
    return new Transformed<>(mask.merge(tf, x, out.value()), logDet(tf, out));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> y, PassContext<T> context) {
    Operand<T> part = mask.transformedPart(tf, y);
    ElementwiseTransform.Elementwise<T> out =
        mask.keepPassing(tf, part, transform.inverse(tf, part, parameters(tf, y, context)));
    return new Transformed<>(mask.merge(tf, y, out.value()), logDet(tf, out));
  }

  private Operand<T> logDet(Ops tf, ElementwiseTransform.Elementwise<T> out) {
    return Tensors.sumPerExample(tf, out.logDerivative(), inputShape().rank());
  }

  @Override
  public List<Variable<T>> variables() {
    return net.variables();
  }
}
