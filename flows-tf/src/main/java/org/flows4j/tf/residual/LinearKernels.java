package org.flows4j.tf.residual;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.OpDef;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TFloating;

/**
 * Which kernels the branch's linear maps run on: TensorFlow's standard {@code MatMul} / {@code Conv2D}, or, inside
 * the log-det series' while loop, oneDNN's directly.
 *
 * <p>Why: TensorFlow rewrites {@code MatMul} and {@code Conv2D} to its oneDNN kernels ({@code _MklMatMul},
 * {@code _MklNativeConv2D}) in the main graph only; the body of a functional {@code While} keeps the Eigen kernels.
 * Measured on this project's 2-core AMX machine (TF Java 1.1.0, one term of the width-512 conv block's series at
 * 28×28, batch 16, ten terms in a loop, same load): float32 0.199 s per term with the standard ops against 0.124
 * with the oneDNN ones; bfloat16 0.202 with the standard ops (Eigen has no bfloat16 matrix unit) against 0.028
 * with the oneDNN ones, which reach AMX. The oneDNN kernels have no gradient, which the loop does not need (its
 * outputs are behind stopGradient); everywhere else the standard ops stay. (The power iteration, one image at a
 * time, keeps the standard ones: see {@link ConvSpectralLinear#apply}.)
 *
 * <p>The oneDNN ops are used only when this TensorFlow build registers them, for float32 and bfloat16, and unless
 * oneDNN is switched off ({@code TF_ENABLE_ONEDNN_OPTS=0}); otherwise {@link #STANDARD}. A graph built with them
 * (and a SavedModel exported from it) needs a TensorFlow build with oneDNN's ops to run — the x86-64 Linux builds
 * of TensorFlow 2.x have them.
 */
abstract class LinearKernels {
  private static final String ONE_DNN_MATMUL = "_MklMatMul";
  private static final String ONE_DNN_CONV = "_MklNativeConv2D";
  /** The kernel label under which oneDNN registers its renamed ops' kernels. */
  private static final String ONE_DNN_KERNEL_LABEL = "MklNameChangeOp";
  private static final List<Long> STRIDES = List.of(1L, 1L, 1L, 1L);

  /** {@code MatMul} and {@code Conv2D}: differentiable, any float type. */
  static final LinearKernels STANDARD = new LinearKernels() {
    @Override
    <U extends TFloating> Operand<U> matMul(Ops tf, Operand<U> a, Operand<U> b, boolean transposeB) {
      return tf.linalg.matMul(a, b, MatMul.transposeB(transposeB));
    }

    @Override
    <U extends TFloating> Operand<U> conv2d(Ops tf, Operand<U> input, Operand<U> kernel) {
      return tf.nn.conv2d(input, kernel, STRIDES, "SAME");
    }
  };

  /** oneDNN's kernels, built directly (see the class comment); float32 and bfloat16 only, no gradient. */
  static final LinearKernels ONE_DNN = new LinearKernels() {
    @Override
    <U extends TFloating> Operand<U> matMul(Ops tf, Operand<U> a, Operand<U> b, boolean transposeB) {
      OperationBuilder builder = tf.scope().opBuilder(ONE_DNN_MATMUL, "OneDnnMatMul")
          .addInput(a.asOutput()).addInput(b.asOutput())
          .setAttr("transpose_a", false).setAttr("transpose_b", transposeB).setAttr("T", dataType(a));
      return builder.setAttr("_kernel", ONE_DNN_KERNEL_LABEL).build().output(0);
    }

    @Override
    <U extends TFloating> Operand<U> conv2d(Ops tf, Operand<U> input, Operand<U> kernel) {
      long[] ones = {1, 1, 1, 1};
      OperationBuilder builder = tf.scope().opBuilder(ONE_DNN_CONV, "OneDnnConv2D")
          .addInput(input.asOutput()).addInput(kernel.asOutput())
          .setAttr("T", dataType(input)).setAttr("strides", ones).setAttr("dilations", ones)
          .setAttr("padding", "SAME").setAttr("data_format", "NHWC");
      return builder.setAttr("_kernel", ONE_DNN_KERNEL_LABEL).build().output(0);
    }
  };

  private static volatile Boolean oneDnnRegistered;
  private static volatile Boolean gpuVisible;

  /** {@code a·b} (or {@code a·bᵀ}), a and b matrices. */
  abstract <U extends TFloating> Operand<U> matMul(Ops tf, Operand<U> a, Operand<U> b, boolean transposeB);

  /** The stride-1 "same" NHWC convolution. */
  abstract <U extends TFloating> Operand<U> conv2d(Ops tf, Operand<U> input, Operand<U> kernel);

  /**
   * The kernels for a while-loop body computing in {@code type}: oneDNN's where available, else the standard. A
   * process that sees a GPU gets the standard ones: the oneDNN ops have CPU kernels only, and the loop may be placed
   * on the GPU.
   */
  static LinearKernels forLoopBody(Class<? extends TFloating> type) {
    boolean supported = type == TFloat32.class || type == TBfloat16.class;
    boolean switchedOff = "0".equals(System.getenv("TF_ENABLE_ONEDNN_OPTS"));
    return supported && !switchedOff && oneDnnRegistered() && !gpuVisible() ? ONE_DNN : STANDARD;
  }

  private static boolean gpuVisible() {
    Boolean visible = gpuVisible;
    if (visible == null) {
      visible = org.tensorflow.LocalDeviceTypes.list().contains("GPU");
      gpuVisible = visible;
    }
    return visible;
  }

  private static boolean oneDnnRegistered() {
    Boolean registered = oneDnnRegistered;
    if (registered == null) {
      Set<String> ops = TensorFlow.registeredOpList().getOpList().stream().map(OpDef::getName)
          .collect(Collectors.toSet());
      registered = ops.contains(ONE_DNN_MATMUL) && ops.contains(ONE_DNN_CONV);
      oneDnnRegistered = registered;
    }
    return registered;
  }

  private static DataType dataType(Operand<?> x) {
    return x.type() == TBfloat16.class ? DataType.DT_BFLOAT16 : DataType.DT_FLOAT;
  }
}
