package org.flows4j.tf.layers;

import org.flows4j.api.Shape;
import org.flows4j.api.transform.RationalQuadraticSpline;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * The monotone rational-quadratic spline of Neural Spline Flows as a coupling's elementwise transform, computed by
 * {@link RationalQuadraticSplineTransform}.
 *
 * <p>Parameters: the conditioner's {@code P·F} outputs (P = {@code 3K − 1}) are reshaped to {@code [.., F, P]}, so
 * the values of one scalar are contiguous: K unnormalised widths, K heights, K − 1 interior derivatives (nflows'
 * layout, {@code transform_params.reshape(b, d, -1)}). All-zero parameters are the identity, so a conditioner whose
 * last layer starts at zero starts the coupling at the identity; on a checkerboard's passing positions the
 * parameters are zero and the mask keeps the input there anyway.
 *
 * <p>Departure from nflows: nflows divides the unnormalised widths and heights by {@code √hidden_features} before
 * the softmax. That damps a randomly initialised last layer, whose outputs would otherwise make the first bins
 * very uneven; flows4j's conditioners start their last layer at zero (the spline is then exactly the identity), so
 * the damping would only rescale the learning rate of those outputs. It is also not defined for the convolutional
 * conditioners. The raw outputs are therefore used as they are.
 */
final class SplineElementwise<T extends TFloating> implements ElementwiseTransform<T> {
  private final RationalQuadraticSpline spline;
  private final Class<T> type;
  /** Per-example dims of the transformed part, then P. */
  private final int[] grouped;

  SplineElementwise(RationalQuadraticSpline spline, Shape part, Class<T> type) {
    this.spline = spline;
    this.type = type;
    this.grouped = new int[part.rank() + 1];
    for (int i = 0; i < part.rank(); i++) {
      grouped[i] = part.dim(i);
    }
    grouped[part.rank()] = spline.parametersPerScalar();
  }

  @Override
  public int parametersPerScalar() {
    return spline.parametersPerScalar();
  }

  private Operand<T> grouped(Ops tf, Operand<T> parameters) {
    return tf.reshape(parameters, Tensors.batchShape(tf, grouped));
  }

  @Override
  public Elementwise<T> forward(Ops tf, Operand<T> x, Operand<T> parameters) {
    var out = RationalQuadraticSplineTransform.forward(tf, x, grouped(tf, parameters), spline, type);
    return new Elementwise<>(out.value(), out.logDet());
  }

  @Override
  public Elementwise<T> inverse(Ops tf, Operand<T> y, Operand<T> parameters) {
    var out = RationalQuadraticSplineTransform.inverse(tf, y, grouped(tf, parameters), spline, type);
    return new Elementwise<>(out.value(), out.logDet());
  }
}
