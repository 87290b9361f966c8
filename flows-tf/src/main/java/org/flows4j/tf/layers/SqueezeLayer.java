package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.Squeeze;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * Space-to-depth, {@code [h, w, c] → [h/f, w/f, c·f²]} (TensorFlow's channel order), inverted by depth-to-space.
 * A permutation of scalars: log-det zero.
 */
final class SqueezeLayer<T extends TFloating> extends AbstractLayer<T, Squeeze> {
  private final Squeeze spec;

  SqueezeLayer(Squeeze spec, Shape inputShape, Class<T> type) {
    super(spec, inputShape, type);
    this.spec = spec;
  }



  @Override
  public Shape outputShape() {
    return spec.outputShape(inputShape());
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    return new Transformed<>(
        tf.nn.spaceToDepth(x, (long) spec.factor()), Tensors.zerosPerExample(tf, x, type));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> y, PassContext<T> context) {
    return new Transformed<>(
        tf.nn.depthToSpace(y, (long) spec.factor()), Tensors.zerosPerExample(tf, y, type));
  }

  @Override
  public List<Variable<T>> variables() {
    return List.of();
  }
}
