package org.flows4j.tf.layers;

import org.flows4j.api.Shape;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.family.TFloating;

/**
 * Glow's invertible 1x1 convolution {@code y = W x} on the feature vector at every position, i.e.
 * {@code y = x · Wᵀ} on the last axis, with log-det {@code positions · log|det W|}. Subclasses say how W is
 * parameterised; on a vector input this is an invertible linear layer.
 */
abstract class InvertibleLinearLayer<T extends TFloating> extends AbstractLayer<T, InvertibleConv1x1> {
  private final Shape shape;
  final int channels;

  InvertibleLinearLayer(InvertibleConv1x1 spec, Shape shape, Class<T> type) {
    super(spec, shape, type);
    this.shape = shape;
    this.channels = shape.features();
  }

  /** The current W. */
  abstract Operand<T> matrix(Ops tf);

  /** {@code log|det W|}. */
  abstract Operand<T> logAbsDet(Ops tf);




  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    return new Transformed<>(applyToFeatures(tf, x, matrix(tf)), logDet(tf, x, 1.0));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> y, PassContext<T> context) {
    return new Transformed<>(applyToFeatures(tf, y, tf.linalg.inv(matrix(tf))), logDet(tf, y, -1.0));
  }

  /** {@code x · mᵀ} on the last axis. */
  private Operand<T> applyToFeatures(Ops tf, Operand<T> x, Operand<T> m) {
    Operand<T> flat = tf.reshape(x, tf.constant(new int[] {-1, channels}));
    Operand<T> out = tf.linalg.matMul(flat, m, MatMul.transposeB(true));
    return tf.reshape(out, Tensors.batchShape(tf, shape.toArray()));
  }

  private Operand<T> logDet(Ops tf, Operand<T> x, double sign) {
    double positions = shape.size() / (double) channels;
    return Tensors.perExample(tf, tf.math.mul(logAbsDet(tf), Tensors.scalar(tf, sign * positions, type)), x);
  }
}
