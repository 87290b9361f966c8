package org.flows4j.tf.gradients;

import static org.flows4j.tf.gradients.GradientSupport.input;
import static org.flows4j.tf.gradients.GradientSupport.upstream;
import static org.flows4j.tf.gradients.GradientSupport.zeros;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.OperationAttributeInspector;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.BiasAdd;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.Conv2dBackpropFilter;
import org.tensorflow.op.nn.Conv2dBackpropInput;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TNumber;
import org.tensorflow.types.family.TType;

/** Gradients of the ops emitted by the first-order gradients of convolutions and bias additions. */
final class ConvolutionGradients {

  private ConvolutionGradients() {}

  /**
   * {@code Conv2DBackpropFilter(input x, filter_sizes, out_backprop dy) = ∂⟨dy, conv2d(x, W)⟩/∂W}, which is bilinear
   * in (x, dy): ⟨Ḡ, BackpropFilter(x, dy)⟩ = ⟨dy, conv2d(x, Ḡ)⟩ = ⟨x, BackpropInput(shape(x), Ḡ, dy)⟩. Hence
   * ∂/∂x = Conv2DBackpropInput(shape(x), Ḡ, dy), ∂/∂dy = Conv2D(x, Ḡ) (same strides, padding, explicit paddings,
   * data format and dilations as the op), and zeros for the integer {@code filter_sizes}.
   */
  static <T extends TNumber> List<Operand<?>> conv2dBackpropFilter(
      Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> x = input(op, 0);
    Operand<TInt32> filterSizes = input(op, 1);
    Operand<T> dy = input(op, 2);
    Operand<T> g = upstream(up, 0);
    ConvAttributes a = ConvAttributes.of(op);
    Operand<T> gradX = tf.nn.conv2dBackpropInput(tf.shape(x), g, dy, a.strides, a.padding, a.inputOptions());
    Operand<T> gradDy = tf.nn.conv2d(x, g, a.strides, a.padding, a.convOptions());
    return List.of(gradX, zeros(tf, filterSizes), gradDy);
  }

  /**
   * {@code Conv2DBackpropInput(input_sizes, filter W, out_backprop dy) = ∂⟨dy, conv2d(x, W)⟩/∂x}, bilinear in
   * (W, dy): ∂/∂W = Conv2DBackpropFilter(Ḡ, shape(W), dy), ∂/∂dy = Conv2D(Ḡ, W); zeros for the integer
   * input_sizes. TF Java 1.1.0 has this gradient natively, so the registry skips it; it is here for native builds
   * that lack it.
   */
  static <T extends TNumber> List<Operand<?>> conv2dBackpropInput(
      Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<TInt32> inputSizes = input(op, 0);
    Operand<T> w = input(op, 1);
    Operand<T> dy = input(op, 2);
    Operand<T> g = upstream(up, 0);
    ConvAttributes a = ConvAttributes.of(op);
    Operand<T> gradW =
        tf.nn.conv2dBackpropFilter(g, tf.shape(w), dy, a.strides, a.padding, a.filterOptions());
    Operand<T> gradDy = tf.nn.conv2d(g, w, a.strides, a.padding, a.convOptions());
    return List.of(zeros(tf, inputSizes), gradW, gradDy);
  }

  /**
   * {@code BiasAddGrad(dy)[c] = Σ dy[..., c, ...]}: the sum over every axis except the channel axis (last for NHWC,
   * 1 for NCHW). Its adjoint broadcasts Ḡ (shape [C]) back along the channel axis: ∂/∂dy = BiasAdd(0·dy, Ḡ) with
   * the op's data format.
   */
  static <T extends TType> List<Operand<?>> biasAddGrad(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> dy = input(op, 0);
    Operand<T> g = upstream(up, 0);
    String dataFormat = op.attributes().getAttrString("data_format");
    return List.of(tf.nn.biasAdd(tf.zerosLike(dy), g, BiasAdd.dataFormat(dataFormat)));
  }

  /** The attributes shared by Conv2D and its two backprop ops, read from the op being differentiated. */
  private record ConvAttributes(
      List<Long> strides,
      String padding,
      List<Long> explicitPaddings,
      String dataFormat,
      List<Long> dilations,
      boolean cudnn) {

    static ConvAttributes of(GraphOperation op) {
      OperationAttributeInspector attrs = op.attributes();
      return new ConvAttributes(
          boxed(attrs.getAttrIntList("strides")),
          attrs.getAttrString("padding"),
          boxed(attrs.getAttrIntList("explicit_paddings")),
          attrs.getAttrString("data_format"),
          boxed(attrs.getAttrIntList("dilations")),
          attrs.getAttrBool("use_cudnn_on_gpu"));
    }

    Conv2d.Options[] convOptions() {
      List<Conv2d.Options> o = new ArrayList<>();
      o.add(Conv2d.dataFormat(dataFormat));
      o.add(Conv2d.dilations(dilations));
      o.add(Conv2d.useCudnnOnGpu(cudnn));
      if (!explicitPaddings.isEmpty()) {
        o.add(Conv2d.explicitPaddings(explicitPaddings));
      }
      return o.toArray(Conv2d.Options[]::new);
    }

    Conv2dBackpropInput.Options[] inputOptions() {
      List<Conv2dBackpropInput.Options> o = new ArrayList<>();
      o.add(Conv2dBackpropInput.dataFormat(dataFormat));
      o.add(Conv2dBackpropInput.dilations(dilations));
      o.add(Conv2dBackpropInput.useCudnnOnGpu(cudnn));
      if (!explicitPaddings.isEmpty()) {
        o.add(Conv2dBackpropInput.explicitPaddings(explicitPaddings));
      }
      return o.toArray(Conv2dBackpropInput.Options[]::new);
    }

    Conv2dBackpropFilter.Options[] filterOptions() {
      List<Conv2dBackpropFilter.Options> o = new ArrayList<>();
      o.add(Conv2dBackpropFilter.dataFormat(dataFormat));
      o.add(Conv2dBackpropFilter.dilations(dilations));
      o.add(Conv2dBackpropFilter.useCudnnOnGpu(cudnn));
      if (!explicitPaddings.isEmpty()) {
        o.add(Conv2dBackpropFilter.explicitPaddings(explicitPaddings));
      }
      return o.toArray(Conv2dBackpropFilter.Options[]::new);
    }
  }

  private static List<Long> boxed(long[] values) {
    List<Long> out = new ArrayList<>(values.length);
    for (long v : values) {
      out.add(v);
    }
    return out;
  }
}
