package org.flows4j.tf.residual;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.ResidualBranch;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.tf.layers.Parameters;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * The branch g as {@code [φ →] L₁ → φ → L₂ → … → φ → Lₖ}: spectrally normalised linear maps with the activation
 * between them (and first, with pre-activation). Its weights travel as a flat list: {@code W̃₁, b₁, …, W̃ₖ, bₖ},
 * then one β per activation (LipSwish's softplus-ed slope; 1 for the other activations).
 */
final class SequentialBranch<T extends TFloating> implements BranchFunction<T> {
  private final Activation activation;
  private final boolean preActivation;
  private final List<SpectralLinear<T>> linears;
  private final List<Variable<T>> betaParameters = new ArrayList<>();
  /** With learned orders, one raw order per map (map i goes from order i to order (i+1) mod k); else empty. */
  private final List<Variable<T>> rawOrders;
  private final Class<T> type;
  /** Set when an MLP branch acts on an image: it sees the flattened image (Residual Flows' fc blocks). */
  private final int @Nullable [] imageDims;

  private SequentialBranch(Activation activation, boolean preActivation, List<SpectralLinear<T>> linears,
      Ops tf, Parameters<T> parameters, int @Nullable [] imageDims, List<Variable<T>> rawOrders) {
    this.imageDims = imageDims;
    this.rawOrders = rawOrders;
    this.activation = activation;
    this.preActivation = preActivation;
    this.linears = linears;
    this.type = parameters.type();
    if (activation == Activation.LIPSWISH) {
      for (int i = 0; i < activations(); i++) {
        // softplus(0.5) ≈ 0.97: the reference initialisation of LipSwish's slope.
        betaParameters.add(parameters.in("lipswish_" + i).filled(tf, "beta", new long[0], 0.5));
      }
    }
  }

  static <T extends TFloating> SequentialBranch<T> create(Ops tf, ResidualBranch spec, Activation activation,
      SpectralNormalization normalization, Shape shape, Parameters<T> parameters) {
    List<SpectralLinear<T>> linears = new ArrayList<>();
    if (spec instanceof LipschitzMlp mlp) {
      int in = shape.size();
      List<Integer> widths = new ArrayList<>(mlp.hiddenWidths());
      widths.add(shape.size());
      for (int i = 0; i < widths.size(); i++) {
        boolean last = i == widths.size() - 1;
        linears.add(new DenseSpectralLinear<>(
            tf, normalization, parameters.in("linear_" + i), in, widths.get(i), last));
        in = widths.get(i);
      }
      boundInInducedNorms(linears, normalization.orders());
      List<Variable<T>> rawOrders = learnOrders(tf, linears, normalization, parameters);
      return new SequentialBranch<>(activation, mlp.preActivation(), linears, tf, parameters,
          shape.isVector() ? null : shape.toArray(), rawOrders);
    }
    LipschitzConvNet conv = (LipschitzConvNet) spec;
    int h = shape.dim(0);
    int w = shape.dim(1);
    int c = shape.dim(2);
    int width = conv.width();
    linears.add(new ConvSpectralLinear<>(tf, normalization, parameters.in("conv_0"), 3, c, width, h, w));
    // The h·w-pixel operator I ⊗ W has W's spectral norm, so the 1×1 map normalises as a matrix. Not so for induced
    // mixed norms: with domain and codomain orders p ≠ q the block-diagonal operator's p→q norm is not W's (it grows
    // with the pixel count when q < p), so that map keeps power iteration on the whole convolution.
    linears.add(normalization.orders().isEmpty() && !normalization.learnedOrders()
        ? new PointwiseConvSpectralLinear<>(tf, normalization, parameters.in("conv_1"), width, width)
        : new ConvSpectralLinear<>(tf, normalization, parameters.in("conv_1"), 1, width, width, h, w));
    linears.add(new ConvSpectralLinear<>(tf, normalization, parameters.in("conv_2"), 3, width, c, h, w));
    boundInInducedNorms(linears, normalization.orders());
    List<Variable<T>> rawOrders = learnOrders(tf, linears, normalization, parameters);
    return new SequentialBranch<>(activation, conv.preActivation(), linears, tf, parameters, null, rawOrders);
  }

  /**
   * With learned orders, one raw order per map, starting at 0 (order 2), chained as the official code's
   * {@code _codomains = _domains[1:] + [_domains[0]]}: map i from order i to order (i+1) mod k.
   */
  private static <T extends TFloating> List<Variable<T>> learnOrders(Ops tf, List<SpectralLinear<T>> linears,
      SpectralNormalization normalization, Parameters<T> parameters) {
    if (!normalization.learnedOrders()) {
      return List.of();
    }
    List<Variable<T>> raw = new ArrayList<>();
    for (int i = 0; i < linears.size(); i++) {
      raw.add(parameters.in("order_" + i).filled(tf, "raw", new long[0], 0.0));
    }
    for (int i = 0; i < linears.size(); i++) {
      linears.get(i).learnedInducedNorm(raw.get(i), raw.get((i + 1) % linears.size()));
    }
    return List.copyOf(raw);
  }

  /** The raw learned orders (empty without learned orders). */
  List<Variable<T>> rawOrders() {
    return rawOrders;
  }

  /** Per map with learned orders, the one-step norm estimate their gradient comes from (see {@link LearnedOrders}). */
  List<Operand<T>> oneStepNormEstimates(Ops tf) {
    List<Operand<T>> estimates = new ArrayList<>();
    if (!rawOrders.isEmpty()) {
      for (SpectralLinear<T> linear : linears) {
        estimates.add(linear.oneStepNormEstimate(tf));
      }
    }
    return estimates;
  }

  /** Map i in {@code ‖·‖_{orders[i]} → ‖·‖_{orders[i+1]}}; no orders: spectral norms (validated with the spec). */
  private static <T extends TFloating> void boundInInducedNorms(List<SpectralLinear<T>> linears,
      List<Double> orders) {
    if (orders.isEmpty()) {
      return;
    }
    for (int i = 0; i < linears.size(); i++) {
      linears.get(i).inducedNorm(orders.get(i), orders.get(i + 1));
    }
  }

  private int activations() {
    return linears.size() - 1 + (preActivation ? 1 : 0);
  }

  /** The live, normalised weights in the flat order the functions expect. */
  List<Operand<T>> weights(Ops tf) {
    return weights(tf, parameters(tf));
  }

  /**
   * The branch's raw parameters as values, in the order {@link #weights(Ops, List)} reads them: per map W, b, u, v
   * (the power-iteration vectors), then LipSwish's raw slopes. A block function takes these and normalises inside
   * its body, so the normalisation and its gradient are built once per block kind, not once per block.
   */
  List<Operand<T>> parameters(Ops tf) {
    List<Operand<T>> parameters = new ArrayList<>();
    for (SpectralLinear<T> linear : linears) {
      // Values, not the refs: function calls and loops reject ref-typed variables.
      parameters.add(tf.identity(linear.weight));
      parameters.add(tf.identity(linear.bias));
      parameters.add(tf.identity(linear.u));
      parameters.add(tf.identity(linear.v));
    }
    for (Variable<T> beta : betaParameters) {
      parameters.add(tf.identity(beta));
    }
    return parameters;
  }

  /** The normalised weights ({@code W̃₁, b₁, …, W̃ₖ, bₖ, β…}) from {@link #parameters}' values. */
  List<Operand<T>> weights(Ops tf, List<Operand<T>> parameters) {
    List<Operand<T>> weights = new ArrayList<>();
    for (int i = 0; i < linears.size(); i++) {
      weights.add(linears.get(i).normalizedWeight(tf, parameters.get(4 * i), parameters.get(4 * i + 2),
          parameters.get(4 * i + 3)));
      weights.add(parameters.get(4 * i + 1));
    }
    for (int i = 0; i < activations(); i++) {
      weights.add(betaParameters.isEmpty()
          ? Tensors.scalar(tf, 1.0, type)
          : tf.math.softplus(parameters.get(4 * linears.size() + i)));
    }
    return weights;
  }

  List<SpectralLinear<T>> linears() {
    return linears;
  }

  /** Trainable variables: weights and biases, then LipSwish slopes, then learned raw orders (if any). */
  List<Variable<T>> variables() {
    List<Variable<T>> all = new ArrayList<>();
    for (SpectralLinear<T> linear : linears) {
      all.add(linear.weight);
      all.add(linear.bias);
    }
    all.addAll(betaParameters);
    all.addAll(rawOrders);
    return all;
  }

  /** Power iteration on every linear map. */
  List<Op> powerIterations(Ops tf, int iterations, double tolerance) {
    return powerIterations(tf, iterations, tolerance, false);
  }

  /**
   * Power iteration on every linear map; {@code thorough} (the refresh at start-up and before evaluation): also from
   * random starts for induced norms, and convolutions that suit it by Lanczos bidiagonalisation instead (see
   * {@link LanczosBidiagonalization}).
   */
  List<Op> powerIterations(Ops tf, int iterations, double tolerance, boolean thorough) {
    List<Op> updates = new ArrayList<>();
    List<SpectralLinear<T>> rest = new ArrayList<>();
    for (SpectralLinear<T> linear : linears) {
      if (thorough && linear.bidiagonalizesWhenThorough(iterations)) {
        updates.add(linear.refreshByBidiagonalization(tf, iterations, tolerance));
      } else {
        rest.add(linear);
      }
    }
    if (rest.isEmpty()) {
      return updates;
    }
    boolean restarting = thorough && rest.stream().anyMatch(SpectralLinear::restartsWhenThorough);
    if (!restarting && rest.stream().allMatch(SpectralLinear::iteratesWithOthers)) {
      // One loop for the rest of the branch; restarts only matter for induced norms, which then keep their own loops.
      updates.add(SpectralLinear.powerIterationTogether(tf, rest, iterations, tolerance));
      return updates;
    }
    for (SpectralLinear<T> linear : rest) {
      updates.add(linear.powerIteration(tf, iterations, tolerance, thorough));
    }
    return updates;
  }

  private Operand<T> beta(List<Operand<T>> weights, int activationIndex) {
    return weights.get(2 * linears.size() + activationIndex);
  }

  private Operand<T> linear(Ops tf, int i, List<Operand<T>> weights, Operand<T> h) {
    return tf.math.add(linears.get(i).apply(tf, weights.get(2 * i), h), weights.get(biasIndex(i)));
  }

  /**
   * Where map i's bias sits in the flat weights. A bias entry may also be per example ({@code [batch, width]}, or
   * {@code [batch, 1, 1, width]} on images): {@link ContextBiases} adds a conditional flow's context there.
   */
  static int biasIndex(int i) {
    return 2 * i + 1;
  }

  @Override
  public Operand<T> forward(Ops tf, Operand<T> x, List<Operand<T>> weights) {
    Operand<T> h = flat(tf, x);
    int a = 0;
    if (preActivation) {
      h = LipschitzActivation.apply(tf, activation, h, beta(weights, a++));
    }
    for (int i = 0; i < linears.size(); i++) {
      h = linear(tf, i, weights, h);
      if (i < linears.size() - 1) {
        h = LipschitzActivation.apply(tf, activation, h, beta(weights, a++));
      }
    }
    return unflat(tf, h);
  }

  /**
   * One forward pass that also keeps each activation's derivative at its input: the Jacobian is then
   * {@code W̃ₖ·diag(φ'(z_{k-1}))·…·W̃₁[·diag(φ'(x))]}, and products with it need no further forward pass.
   */
  @Override
  public Linearized<T> linearize(Ops tf, Operand<T> x, List<Operand<T>> weights) {
    List<Operand<T>> maps = new ArrayList<>();
    List<Operand<T>> transposedMaps = new ArrayList<>();
    List<Operand<T>> derivatives = new ArrayList<>();
    Operand<T> h = flat(tf, x);
    int a = 0;
    if (preActivation) {
      LipschitzActivation.ValueAndDerivative<T> phi =
          LipschitzActivation.applyWithDerivative(tf, activation, h, beta(weights, a++));
      derivatives.add(phi.derivative());
      h = phi.value();
    }
    for (int i = 0; i < linears.size(); i++) {
      maps.add(weights.get(2 * i));
      transposedMaps.add(linears.get(i).transposedOperand(tf, weights.get(2 * i)));
      h = linear(tf, i, weights, h);
      if (i < linears.size() - 1) {
        LipschitzActivation.ValueAndDerivative<T> phi =
            LipschitzActivation.applyWithDerivative(tf, activation, h, beta(weights, a++));
        derivatives.add(phi.derivative());
        h = phi.value();
      }
    }
    return new Linearized<>(unflat(tf, h), new BranchJacobian<>(maps, transposedMaps, derivatives));
  }

  /** Backwards through the maps: {@code g ← W̃ᵢᵀ g}, then times the derivative of the activation feeding map i. */
  @Override
  public Operand<T> vjp(Ops tf, BranchJacobian<T> jacobian, Operand<T> u) {
    return vjpIn(tf, LinearKernels.STANDARD, jacobian, u);
  }

  /**
   * {@link #vjp} in any floating type U on the given kernels: the Jacobian's factors and u are in U, and so is
   * every product. The log-det series' loop uses it ({@link SeriesProducts}).
   */
  <U extends TFloating> Operand<U> vjpIn(Ops tf, LinearKernels kernels, BranchJacobian<U> jacobian, Operand<U> u) {
    int offset = preActivation ? 1 : 0;
    Operand<U> g = flat(tf, u);
    for (int i = linears.size() - 1; i >= 0; i--) {
      g = linears.get(i).applyTransposedOperand(tf, kernels, jacobian.transposedMaps().get(i), g);
      int feeding = i - 1 + offset; // the activation whose output map i reads, if any
      if (feeding >= 0) {
        g = tf.math.mul(g, jacobian.derivatives().get(feeding));
      }
    }
    return unflat(tf, g);
  }

  @Override
  public Operand<T> jvp(Ops tf, BranchJacobian<T> jacobian, Operand<T> v) {
    Preconditions.checkArgument(!jacobian.maps().isEmpty(), "this Jacobian only gives vector-Jacobian products");
    int offset = preActivation ? 1 : 0;
    Operand<T> t = flat(tf, v);
    for (int i = 0; i < linears.size(); i++) {
      int feeding = i - 1 + offset;
      if (feeding >= 0) {
        t = tf.math.mul(t, jacobian.derivatives().get(feeding));
      }
      t = linears.get(i).apply(tf, jacobian.maps().get(i), t);
    }
    return unflat(tf, t);
  }

  private <U extends TFloating> Operand<U> flat(Ops tf, Operand<U> x) {
    if (imageDims == null) {
      return x;
    }
    int size = 1;
    for (int d : imageDims) {
      size *= d;
    }
    return tf.reshape(x, tf.constant(new int[] {-1, size}));
  }

  private <U extends TFloating> Operand<U> unflat(Ops tf, Operand<U> x) {
    return imageDims == null ? x : tf.reshape(x, Tensors.batchShape(tf, imageDims));
  }
}
