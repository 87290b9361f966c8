package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.tf.PassContext;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * A conditioner network used on its own, outside a coupling: it computes the condition of a conditional flow
 * (Flow++'s dequantization flow reads the pixels through one), keeping the input's spatial dimensions.
 */
public final class ConditionNetwork<T extends TFloating> {
  private final ConditionerNet<T> net;

  /** {@code inputShape}'s features in, {@code outFeatures} per position out. */
  public ConditionNetwork(Ops tf, ConditionerSpec spec, Shape inputShape, int outFeatures, Parameters<T> parameters) {
    this.net = ConditionerNet.create(tf, spec, inputShape, inputShape.features(), outFeatures, parameters);
  }

  public Operand<T> apply(Ops tf, Operand<T> x, PassContext<T> context) {
    return net.apply(tf, x, context);
  }

  public List<Variable<T>> variables() {
    return net.variables();
  }
}
