package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/** NICE's additive coupling: {@code y = x + t(x_pass)} on the transformed part; volume preserving. */
final class AdditiveCouplingLayer<T extends TFloating> extends ConditionedLayer<T, AdditiveCoupling> {
  private final CouplingMask<T> mask;
  private final ConditionerNet<T> net;

  AdditiveCouplingLayer(Ops tf, AdditiveCoupling spec, Shape shape, int conditionFeatures, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    this.mask = CouplingMask.create(tf, spec.mask(), shape, type);
    this.net = ConditionerNet.create(
        tf, spec.conditioner(), shape, mask.conditionerInFeatures() + conditionFeatures, mask.transformedFeatures(),
        parameters);
  }




  private Operand<T> shift(Ops tf, Operand<T> x, PassContext<T> context) {
    return mask.maskParameters(tf, net.apply(tf, mask.conditionerInput(tf, x), context));
  }

  @Override
  public Transformed<T> forward(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> newPart = tf.math.add(mask.transformedPart(tf, x), shift(tf, x, context));
    return new Transformed<>(mask.merge(tf, x, newPart), Tensors.zerosPerExample(tf, x, type));
  }

  @Override
  public Transformed<T> inverse(Ops tf, Operand<T> y, PassContext<T> context) {
    Operand<T> oldPart = tf.math.sub(mask.transformedPart(tf, y), shift(tf, y, context));
    return new Transformed<>(mask.merge(tf, y, oldPart), Tensors.zerosPerExample(tf, y, type));
  }

  @Override
  public List<Variable<T>> variables() {
    return net.variables();
  }
}
