package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.InvertibleConv1x1;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * W is a full matrix, starting as a random rotation; {@code log|det W|} through {@code LogMatrixDeterminant}, whose
 * gradient flows4j's gradient registry provides.
 */
final class PlainConv1x1Layer<T extends TFloating> extends InvertibleLinearLayer<T> {
  private final Variable<T> weight;

  PlainConv1x1Layer(Ops tf, InvertibleConv1x1 spec, Shape shape, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    double[][] rotation = HostLinearAlgebra.randomRotation(channels, parameters.nextHostSeed());
    weight = parameters.fromValues(
        tf, "weight", new long[] {channels, channels}, HostLinearAlgebra.flatten(rotation));
  }

  @Override
  Operand<T> matrix(Ops tf) {
    return weight;
  }

  @Override
  Operand<T> logAbsDet(Ops tf) {
    return tf.linalg.logMatrixDeterminant(weight).logAbsDeterminant();
  }

  @Override
  public List<Variable<T>> variables() {
    return List.of(weight);
  }
}
