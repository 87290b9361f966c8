package org.flows4j.tf.residual;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.layers.Parameters;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * How a conditional flow's context enters a residual branch: {@code g(x, c)} adds {@code c·Kᵢ}, a learned linear
 * projection of the condition ({@code c} the flow's embedded / encoded context, {@code [batch, E]}), to the bias of
 * every linear map i of the branch, i.e. to every pre-activation and to the output. On an image (conv branch) the
 * projection is the same at every pixel, as a conditional PixelCNN's {@code Vᵀh} term and Glow's class-conditional
 * conditioners broadcast a per-example vector.
 *
 * <p>Why g stays contractive in x: for a fixed c, {@code c·Kᵢ} is a constant added to map i's output, so map i is
 * the affine map {@code h ↦ W̃ᵢ h + (bᵢ + c·Kᵢ)}, whose Lipschitz constant in h is that of {@code W̃ᵢ} alone.
 * Spectral normalisation still bounds only the x-path maps {@code W̃ᵢ} (by the block's {@code lipschitzCoeff}), the
 * activations stay 1-Lipschitz, so {@code Lip_x(g(·, c)) ≤ Π Lip(W̃ᵢ) < 1} for every c, exactly the bound of the
 * unconditional block, and {@code x ↦ x + g(x, c)} is invertible by the same fixed-point iteration with c held fixed.
 * The projections {@code Kᵢ} are unconstrained: they move the point where each activation is evaluated, not the
 * slope of any x-path map (g need not be Lipschitz in c for invertibility in x).
 *
 * <p>Why every layer and not the first alone: the Residual Flows code has no conditional block, so we follow what
 * conditional networks there use (nflows' {@code ResidualNet} adds a projection of the context in every block,
 * conditional PixelCNN in every layer). Adding it to the first pre-activation only would let the context act
 * through one layer's activations; every layer is as cheap (one {@code [E, width]} matmul per map per pass, outside
 * the log-det series loop) and lets c shift the output as well (a c-dependent translation of y).
 *
 * <p>Where it enters the machinery: the projections are folded into the bias entries of the branch's flat weight
 * list ({@link SequentialBranch#biasIndex}), which every path already consumes — the forward pass, the
 * linearisation (so the activation derivatives of the Jacobian, and hence every log-det estimator, are those at
 * {@code (x, c)}; the maps W̃ᵢ are untouched, so the Jacobian is with respect to x only and c enters it as a bias),
 * and the fixed-point inverse's loop variables (c is fixed through the iteration). Gradients reach {@code Kᵢ} and
 * the context embedding through those bias tensors: through the output by backpropagation, through the log-det by the
 * activation derivatives (in the Neumann surrogate {@code wᵀ J v} and in the unrolled or exact log-det alike).
 *
 * <p>Initialisation: Glorot-uniform projections for the hidden maps; zeros for the last map, matching the Residual
 * Flows code's near-zero last layer, so a fresh block is near the identity for every context.
 */
final class ContextBiases<T extends TFloating> {
  private final List<Variable<T>> kernels;
  /** The output rank of the branch's maps: 2 for an MLP (flattened input), 4 for a conv branch. */
  private final boolean convolutional;

  private ContextBiases(List<Variable<T>> kernels, boolean convolutional) {
    this.kernels = List.copyOf(kernels);
    this.convolutional = convolutional;
  }

  /**
   * One {@code [conditionFeatures, width_i]} projection per linear map of {@code linears}, created under
   * {@code parameters} ({@code context_i/kernel}).
   */
  static <T extends TFloating> ContextBiases<T> create(Ops tf, List<SpectralLinear<T>> linears,
      int conditionFeatures, boolean convolutional, Parameters<T> parameters) {
    Preconditions.checkArgument(conditionFeatures > 0, "conditionFeatures must be positive, but was %s",
        conditionFeatures);
    List<Variable<T>> kernels = new ArrayList<>();
    for (int i = 0; i < linears.size(); i++) {
      long width = linears.get(i).bias.shape().size(0);
      long[] shape = {conditionFeatures, width};
      Parameters<T> in = parameters.in("context_" + i);
      kernels.add(i == linears.size() - 1
          ? in.filled(tf, "kernel", shape, 0.0)
          : in.glorotUniform(tf, "kernel", shape, conditionFeatures, width));
    }
    return new ContextBiases<>(kernels, convolutional);
  }

  List<Variable<T>> variables() {
    return kernels;
  }

  /**
   * The branch's flat weights with {@code c·Kᵢ} added to each map's bias: {@code [batch, width]}, or
   * {@code [batch, 1, 1, width]} for a conv branch (broadcast over the pixels).
   *
   * @param condition the pass's condition, {@code [batch, conditionFeatures]}
   */
  List<Operand<T>> addTo(Ops tf, List<Operand<T>> weights, Operand<T> condition) {
    List<Operand<T>> biased = new ArrayList<>(weights);
    for (int i = 0; i < kernels.size(); i++) {
      int index = SequentialBranch.biasIndex(i);
      Operand<T> projection = tf.linalg.matMul(condition, kernels.get(i)); // [batch, width]
      if (convolutional) {
        projection = tf.reshape(projection, tf.constant(new int[] {-1, 1, 1, (int) kernels.get(i).shape().size(1)}));
      }
      biased.set(index, tf.math.add(weights.get(index), projection));
    }
    return biased;
  }
}
