package org.flows4j.tf.layers;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.MlpConditioner;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * MADE (Germain et al. 2015): dense layers whose weights are multiplied by constant 0/1 masks so that the outputs
 * for feature {@code i} depend only on the features visited before {@code i}. Degrees: input feature {@code i} has
 * the degree {@code 1 + (its position in the visiting order)}; hidden unit {@code k} of every layer has the degree
 * {@code 1 + k mod (d − 1)}, in {@code [1, d − 1]}; a hidden unit sees a unit of the previous layer when its degree
 * is at least the other's, an output for feature {@code i} sees a hidden unit when {@code degree(i)} is greater.
 *
 * <p>Outputs: {@code [batch, P·d]}, P blocks of d values in feature order; output {@code j} belongs to feature
 * {@code j mod d}. For the affine map P = 2: the shifts of the d features, then their raw log-scales; for a spline
 * P = 3K − 1, block {@code p} holding raw parameter {@code p} of every feature. The
 * output layer starts at zero (unless the spec's {@code zeroInitLastLayer} is false), so the step starts as the
 * identity. Masks are constants multiplied into the weights: every op has a gradient.
 *
 * <p>In a conditional flow the condition {@code c} (the flow's context) reaches the first layer through an unmasked
 * kernel, {@code h₁ = act(x·(W₁ ⊙ M₁) + c·V + b₁)} (as nflows' conditional MADE): every output may depend on c, and
 * the autoregressive structure in x is unchanged.
 */
final class MadeNet<T extends TFloating> {
  private final Activation activation;
  private final List<Variable<T>> weights = new ArrayList<>();
  private final List<Variable<T>> biases = new ArrayList<>();
  private final List<Operand<T>> masks = new ArrayList<>();
  private final @Nullable Variable<T> conditionKernel;

  /**
   * A MADE with {@code outputsPerFeature} outputs per feature (2 for the affine map's shift and raw log-scale);
   * {@code conditionFeatures}: the width of the condition (0 in an unconditional flow).
   */
  MadeNet(Ops tf, MlpConditioner spec, int[] visitingOrder, int outputsPerFeature, int conditionFeatures,
      Parameters<T> parameters) {
    this.activation = spec.activation();
    List<Integer> hiddenWidths = spec.hiddenWidths();
    Class<T> type = parameters.type();
    int d = visitingOrder.length;
    int[] inputDegrees = new int[d];
    for (int k = 0; k < d; k++) {
      inputDegrees[visitingOrder[k]] = k + 1;
    }
    int[] previous = inputDegrees;
    for (int layer = 0; layer < hiddenWidths.size(); layer++) {
      int width = hiddenWidths.get(layer);
      int[] degrees = new int[width];
      for (int k = 0; k < width; k++) {
        degrees[k] = 1 + k % Math.max(1, d - 1);
      }
      double[] mask = new double[previous.length * width];
      for (int i = 0; i < previous.length; i++) {
        for (int k = 0; k < width; k++) {
          mask[i * width + k] = degrees[k] >= previous[i] ? 1 : 0;
        }
      }
      long[] shape = {previous.length, width};
      Parameters<T> dense = parameters.in("masked_dense_" + layer);
      weights.add(dense.glorotUniform(tf, "kernel", shape, previous.length, width));
      biases.add(dense.filled(tf, "bias", new long[] {width}, 0.0));
      masks.add(Tensors.constant(tf, mask, shape, type));
      previous = degrees;
    }
    int outputs = outputsPerFeature * d;
    double[] mask = new double[previous.length * outputs];
    for (int i = 0; i < previous.length; i++) {
      for (int j = 0; j < outputs; j++) {
        mask[i * outputs + j] = inputDegrees[j % d] > previous[i] ? 1 : 0;
      }
    }
    long[] shape = {previous.length, outputs};
    Parameters<T> out = parameters.in("masked_dense_out");
    weights.add(spec.zeroInitLastLayer()
        ? out.filled(tf, "kernel", shape, 0.0)
        : out.glorotUniform(tf, "kernel", shape, previous.length, outputs));
    biases.add(out.filled(tf, "bias", new long[] {outputs}, 0.0));
    masks.add(Tensors.constant(tf, mask, shape, type));
    // Created last, so an unconditional MADE keeps its weights and their seeds.
    long firstWidth = hiddenWidths.isEmpty() ? outputs : hiddenWidths.get(0);
    this.conditionKernel = conditionFeatures == 0 ? null : (hiddenWidths.isEmpty() && spec.zeroInitLastLayer()
        ? parameters.filled(tf, "condition_kernel", new long[] {conditionFeatures, firstWidth}, 0.0)
        : parameters.glorotUniform(
            tf, "condition_kernel", new long[] {conditionFeatures, firstWidth}, conditionFeatures, firstWidth));
  }

  /**
   * {@code [batch, d] → [batch, P·d]}: P blocks of d (for the affine map: shifts, then raw log-scales);
   * {@code condition} is the pass's condition ({@code [batch, k]}), required exactly when the network was built with
   * a condition width.
   */
  Operand<T> apply(Ops tf, Operand<T> x, @Nullable Operand<T> condition) {
    return apply(tf, x, condition, weights(tf));
  }

  /**
   * The masked kernels and the biases layer by layer, then the condition kernel if there is one: values (not
   * variable refs) that a while loop's body can take as loop variables.
   */
  List<Operand<T>> weights(Ops tf) {
    List<Operand<T>> values = new ArrayList<>();
    for (int i = 0; i < weights.size(); i++) {
      values.add(tf.math.mul(weights.get(i), masks.get(i)));
      values.add(tf.identity(biases.get(i)));
    }
    if (conditionKernel != null) {
      values.add(tf.identity(conditionKernel));
    }
    return values;
  }

  /** {@link #apply(Ops, Operand, Operand)} with {@code weights} from {@link #weights}, emitted with {@code tf}. */
  Operand<T> apply(Ops tf, Operand<T> x, @Nullable Operand<T> condition, List<? extends Operand<T>> weights) {
    if ((condition == null) != (conditionKernel == null)) {
      throw new IllegalArgumentException(conditionKernel == null
          ? "this MADE has no condition input, but the pass has a condition"
          : "this MADE is conditional, but the pass has no condition");
    }
    Operand<T> h = x;
    int last = this.weights.size() - 1;
    for (int i = 0; i <= last; i++) {
      h = tf.math.add(tf.linalg.matMul(h, weights.get(2 * i)), weights.get(2 * i + 1));
      if (i == 0 && condition != null) {
        h = tf.math.add(h, tf.linalg.matMul(condition, weights.get(2 * last + 2)));
      }
      if (i < last) {
        h = ConditionerNet.activate(tf, activation, h);
      }
    }
    return h;
  }

  /**
   * The Jacobian of the outputs with respect to the inputs, {@code [batch, d, P·d]} with entry (b, i, j) =
   * {@code ∂out_j/∂x_i} for example b, in closed form: {@code (W₁ ⊙ M₁)·diag(act'(a₁))·(W₂ ⊙ M₂)·…·(W_L ⊙ M_L)}
   * with the pre-activations {@code a_l} of this input (the condition enters the first layer additively, so it only
   * moves the pre-activations). One product per layer whatever d; no gradient is meant to flow through it.
   */
  Operand<T> inputJacobian(Ops tf, Operand<T> x, @Nullable Operand<T> condition, List<? extends Operand<T>> weights) {
    Operand<T> h = x;
    Operand<T> jacobian = null; // [batch, d, width of layer i], or the bare first kernel [d, width] before a scale
    int last = this.weights.size() - 1;
    for (int i = 0; i <= last; i++) {
      Operand<T> kernel = weights.get(2 * i);
      jacobian = jacobian == null ? kernel : batchMatMul(tf, jacobian, kernel);
      if (i == last) {
        break;
      }
      Operand<T> pre = tf.math.add(tf.linalg.matMul(h, kernel), weights.get(2 * i + 1));
      if (i == 0 && condition != null) {
        pre = tf.math.add(pre, tf.linalg.matMul(condition, weights.get(2 * last + 2)));
      }
      jacobian = tf.math.mul(jacobian, tf.expandDims(activationDerivative(tf, pre), tf.constant(1)));
      h = ConditionerNet.activate(tf, activation, pre);
    }
    if (last == 0) { // no hidden layer: the same masked kernel for every example
      Operand<T> ones = tf.onesLike(tf.slice(x, tf.constant(new int[] {0, 0}), tf.constant(new int[] {-1, 1})));
      jacobian = tf.math.mul(tf.expandDims(jacobian, tf.constant(0)), tf.expandDims(ones, tf.constant(2)));
    }
    return jacobian;
  }

  /** {@code [batch, d, n] × [n, m] → [batch, d, m]}. */
  private static <T extends TFloating> Operand<T> batchMatMul(Ops tf, Operand<T> a, Operand<T> kernel) {
    return tf.linalg.einsum(List.of(a, kernel), "bdn,nm->bdm");
  }

  /** The derivative of the hidden activation at the pre-activation {@code a}, elementwise. */
  private Operand<T> activationDerivative(Ops tf, Operand<T> a) {
    Class<T> type = a.type();
    Operand<T> zero = Tensors.scalar(tf, 0.0, type);
    Operand<T> one = Tensors.scalar(tf, 1.0, type);
    return switch (activation) {
      case RELU -> tf.dtypes.cast(tf.math.greater(a, zero), type);
      case TANH -> tf.math.sub(one, tf.math.square(tf.math.tanh(a)));
      case ELU -> tf.select(tf.math.greater(a, zero), tf.onesLike(a), tf.math.exp(tf.math.minimum(a, zero)));
      case SOFTPLUS -> tf.math.sigmoid(a);
      case LIPSWISH -> throw new IllegalArgumentException("LIPSWISH is for residual blocks only");
    };
  }

  List<Variable<T>> variables() {
    ImmutableList.Builder<Variable<T>> all = ImmutableList.builder();
    for (int i = 0; i < weights.size(); i++) {
      all.add(weights.get(i), biases.get(i));
    }
    if (conditionKernel != null) {
      all.add(conditionKernel);
    }
    return all.build();
  }
}
