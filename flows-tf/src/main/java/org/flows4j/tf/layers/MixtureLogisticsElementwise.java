package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.transform.MixtureOfLogisticsTransform;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * Flow++'s mixture-of-logistics transform, computed by {@link MixtureLogisticsTransform}.
 * Parameters: the {@code 3K + 2} values of one scalar are contiguous ({@code [.., F, 3K + 2]} after a reshape): K
 * mixture logits, K means, K log-scales, the raw log-scale {@code a} (soft-clamped to the spec's bound) and the
 * shift {@code b}. With all parameters zero the map is {@code σ⁻¹(σ(x)) = x} analytically. The inverse is a
 * bisection; its output carries no gradient.
 */
final class MixtureLogisticsElementwise<T extends TFloating> implements ElementwiseTransform<T> {
  private final MixtureOfLogisticsTransform spec;
  private final Class<T> type;
  /** Per-example dims of the transformed part. */
  private final int[] partDims;

  MixtureLogisticsElementwise(MixtureOfLogisticsTransform spec, Shape part, Class<T> type) {
    this.spec = spec;
    this.type = type;
    this.partDims = new int[part.rank()];
    for (int i = 0; i < part.rank(); i++) {
      partDims[i] = part.dim(i);
    }
  }

  @Override
  public int parametersPerScalar() {
    return spec.parametersPerScalar();
  }

  private MixtureLogisticsTransform.Mixture<T> mixture(Ops tf, Operand<T> parameters) {
    int k = spec.components();
    int[] perScalar = new int[partDims.length + 1];
    System.arraycopy(partDims, 0, perScalar, 0, partDims.length);
    perScalar[partDims.length] = spec.parametersPerScalar();
    Operand<T> grouped = tf.reshape(parameters, Tensors.batchShape(tf, perScalar));
    List<Output<T>> parts =
        tf.splitV(grouped, tf.constant(new int[] {k, k, k, 1, 1}), tf.constant(-1), 5L).output();
    Operand<T> logA = tf.reshape(parts.get(3), Tensors.batchShape(tf, partDims));
    Operand<T> bound = Tensors.scalar(tf, spec.logScaleBound(), type);
    logA = tf.math.mul(bound, tf.math.tanh(tf.math.div(logA, bound)));
    Operand<T> shift = tf.reshape(parts.get(4), Tensors.batchShape(tf, partDims));
    return new MixtureLogisticsTransform.Mixture<>(
        parts.get(0), parts.get(1), parts.get(2), logA, shift);
  }

  @Override
  public Elementwise<T> forward(Ops tf, Operand<T> x, Operand<T> parameters) {
    var out = MixtureLogisticsTransform.forward(tf, x, mixture(tf, parameters), type);
    return new Elementwise<>(out.value(), out.logDet());
  }

  @Override
  public Elementwise<T> inverse(Ops tf, Operand<T> y, Operand<T> parameters) {
    var out = MixtureLogisticsTransform.inverse(
        tf, y, mixture(tf, parameters), type, spec.inverseTolerance(), spec.maxIterations());
    return new Elementwise<>(out.value(), out.logDet());
  }
}
