package org.flows4j.tf.layers;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * The context of a conditional PixelCNN (van den Oord et al. 2016, "Conditional Image Generation with PixelCNN
 * Decoders"): a latent vector h enters every layer as {@code Vᵀh}, added to the masked convolution's output before
 * the activation, the same at every pixel. Here h is the flow's condition ({@code [batch, E]}: the embedded class or
 * the encoded features), and every layer — each masked {@code k×k} convolution and the {@code 1×1} output — gets
 * its own projection {@code Vᵢ}. Our PixelCNN has one stack of masked convolutions (no separate vertical and
 * horizontal stacks; see {@link PixelCnnNet}), so there is one projection per layer, not two.
 *
 * <p>The term depends on c only, not on any pixel, so the outputs at pixel p still depend only on the pixels before
 * p: the Jacobian stays block lower triangular and the log-det {@code Σ log s} stays exact. It is folded into the
 * layers' biases ({@code [batch, 1, 1, n]} in place of {@code [n]}), which both the network pass and the cached
 * inverse's loop already take, so sampling solves {@code x = a⁻¹(z; PixelCNN(x, c))} with c fixed.
 *
 * <p>Initialisation: Glorot-uniform for the hidden layers; the output layer's projection starts at zero, as the
 * output convolution does, so a fresh step is the identity for every context.
 */
final class PixelCnnContext<T extends TFloating> {
  private final List<Variable<T>> kernels = new ArrayList<>();

  /**
   * @param widths the output features of each layer in order (the hidden layers', then the output's 2c)
   */
  PixelCnnContext(Ops tf, int conditionFeatures, List<Integer> widths, Parameters<T> parameters) {
    for (int i = 0; i < widths.size(); i++) {
      long[] shape = {conditionFeatures, widths.get(i)};
      Parameters<T> in = parameters.in("context_" + i);
      kernels.add(i == widths.size() - 1
          ? in.filled(tf, "kernel", shape, 0.0)
          : in.glorotUniform(tf, "kernel", shape, conditionFeatures, widths.get(i)));
    }
  }

  List<Variable<T>> variables() {
    return List.copyOf(kernels);
  }

  /**
   * {@link PixelCnnNet#weights}' list with {@code c·Vᵢ} added to layer i's bias, as {@code [batch, 1, 1, n]}.
   *
   * @param condition {@code [batch, conditionFeatures]}
   */
  List<Operand<T>> addTo(Ops tf, List<Operand<T>> weights, Operand<T> condition) {
    List<Operand<T>> biased = new ArrayList<>(weights);
    for (int i = 0; i < kernels.size(); i++) {
      int n = (int) kernels.get(i).shape().size(1);
      Operand<T> projection = tf.reshape(tf.linalg.matMul(condition, kernels.get(i)),
          tf.constant(new int[] {-1, 1, 1, n}));
      biased.set(2 * i + 1, tf.math.add(weights.get(2 * i + 1), projection));
    }
    return biased;
  }
}
