package org.flows4j.tf.layers;

import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/** NICE's {@code y = x + t}: the parameters are the shifts, one per scalar; derivative 1. */
final class AdditiveElementwise<T extends TFloating> implements ElementwiseTransform<T> {
  AdditiveElementwise(Class<T> type) {}

  @Override
  public int parametersPerScalar() {
    return 1;
  }

  @Override
  public Elementwise<T> forward(Ops tf, Operand<T> x, Operand<T> parameters) {
    return new Elementwise<>(tf.math.add(x, parameters), tf.zerosLike(x));
  }

  @Override
  public Elementwise<T> inverse(Ops tf, Operand<T> y, Operand<T> parameters) {
    return new Elementwise<>(tf.math.sub(y, parameters), tf.zerosLike(y));
  }
}
