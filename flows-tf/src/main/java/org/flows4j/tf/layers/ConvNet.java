package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.tf.PassContext;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * Glow's coupling network: {@code k×k conv → act → 1×1 conv → act → k×k conv}, stride 1, "same" padding, NHWC.
 * The last convolution optionally starts at zero so the coupling starts as the identity.
 */
final class ConvNet<T extends TFloating> implements ConditionerNet<T> {
  private static final List<Long> STRIDES = List.of(1L, 1L, 1L, 1L);

  private final ConvNetConditioner spec;
  private final Variable<T> kernel1;
  private final Variable<T> bias1;
  private final Variable<T> kernel2;
  private final Variable<T> bias2;
  private final Variable<T> kernel3;
  private final Variable<T> bias3;

  ConvNet(Ops tf, ConvNetConditioner spec, int inChannels, int outChannels, Parameters<T> parameters) {
    this.spec = spec;
    int k = spec.kernelSize();
    int width = spec.width();
    Parameters<T> c1 = parameters.in("conv_0");
    kernel1 = c1.glorotUniform(tf, "kernel", new long[] {k, k, inChannels, width},
        (long) k * k * inChannels, (long) k * k * width);
    bias1 = c1.filled(tf, "bias", new long[] {width}, 0.0);
    Parameters<T> c2 = parameters.in("conv_1");
    kernel2 = c2.glorotUniform(tf, "kernel", new long[] {1, 1, width, width}, width, width);
    bias2 = c2.filled(tf, "bias", new long[] {width}, 0.0);
    Parameters<T> c3 = parameters.in("conv_out");
    long[] lastShape = {k, k, width, outChannels};
    kernel3 = spec.zeroInitLastLayer()
        ? c3.filled(tf, "kernel", lastShape, 0.0)
        : c3.glorotUniform(tf, "kernel", lastShape, (long) k * k * width, (long) k * k * outChannels);
    bias3 = c3.filled(tf, "bias", new long[] {outChannels}, 0.0);
  }

  @Override
  public Operand<T> apply(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> input = ConditionerNet.withCondition(tf, x, context);
    Operand<T> h = ConditionerNet.activate(tf, spec.activation(), conv(tf, input, kernel1, bias1));
    h = ConditionerNet.activate(tf, spec.activation(), conv(tf, h, kernel2, bias2));
    return conv(tf, h, kernel3, bias3);
  }

  private Operand<T> conv(Ops tf, Operand<T> x, Variable<T> kernel, Variable<T> bias) {
    return tf.nn.biasAdd(tf.nn.conv2d(x, kernel, STRIDES, "SAME"), bias);
  }

  @Override
  public List<Variable<T>> variables() {
    return List.of(kernel1, bias1, kernel2, bias2, kernel3, bias3);
  }
}
