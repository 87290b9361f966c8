package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.tf.PassContext;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/** A coupling's conditioner network, its input and output sizes fixed by the coupling. */
interface ConditionerNet<T extends TFloating> {
  /**
   * The network's output for {@code x}; in a conditional flow {@code context.condition()} is appended to
   * {@code x}'s last axis first ({@link #withCondition}), and in training networks with dropout apply it.
   */
  Operand<T> apply(Ops tf, Operand<T> x, PassContext<T> context);

  List<Variable<T>> variables();

  /**
   * Builds the network for a spec: {@code inFeatures} features in, {@code outFeatures} out, for a coupling whose
   * input has {@code shape} (the conditioner's input keeps the spatial dimensions of an image).
   */
  static <T extends TFloating> ConditionerNet<T> create(
      Ops tf, ConditionerSpec spec, Shape shape, int inFeatures, int outFeatures, Parameters<T> parameters) {
    return create(tf, spec, shape, inFeatures, 0, outFeatures, parameters);
  }

  /**
   * As {@link #create(Ops, ConditionerSpec, Shape, int, int, Parameters)} for a network that also receives a
   * condition of {@code conditionFeatures} features: MLPs and Glow's conv net take it concatenated to their input,
   * Flow++'s network through a projection in every block, as the official code.
   */
  static <T extends TFloating> ConditionerNet<T> create(Ops tf, ConditionerSpec spec, Shape shape, int inFeatures,
      int conditionFeatures, int outFeatures, Parameters<T> parameters) {
    if (spec instanceof MlpConditioner mlp) {
      return new MlpNet<>(tf, mlp, inFeatures + conditionFeatures, outFeatures, parameters.in("mlp"));
    }
    if (spec instanceof AttentionConvNetConditioner attention) {
      return new AttentionConvNet<>(tf, attention, shape, inFeatures, conditionFeatures, outFeatures,
          parameters.in("flowpp"));
    }
    return new ConvNet<>(tf, (ConvNetConditioner) spec, inFeatures + conditionFeatures, outFeatures,
        parameters.in("convnet"));
  }

  /**
   * {@code x} with the context's condition concatenated along the last axis, or {@code x} itself. A per-example
   * condition {@code [batch, k]} (a conditional flow's context) is repeated at every position of an image
   * {@code x}; a condition of x's rank (the dequantization flow's pixel features) is concatenated as it is.
   */
  static <T extends TFloating> Operand<T> withCondition(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> condition = conditionAt(tf, x, context);
    return condition == null ? x : tf.concat(List.of(x, condition), tf.constant(-1));
  }

  /**
   * The context's condition at every position of {@code x} ({@code x}'s shape but for the last axis), or null
   * without one: a per-example {@code [batch, k]} condition is repeated at every position of an image, one of
   * x's rank is returned as it is.
   */
  static <T extends TFloating> @Nullable Operand<T> conditionAt(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> condition = context.condition();
    if (condition == null) {
      return null;
    }
    int rank = x.shape().numDimensions();
    if (condition.shape().numDimensions() == 2 && rank > 2) {
      // [batch, k] → [batch, 1, …, 1, k] → [batch, …x's positions…, k]
      int[] ones = new int[rank];
      java.util.Arrays.fill(ones, 1);
      ones[0] = -1;
      ones[rank - 1] = (int) condition.shape().get(1);
      Operand<T> perExample = tf.reshape(condition, tf.constant(ones));
      Operand<org.tensorflow.types.TInt32> target = tf.concat(List.of(
          tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {rank - 1})),
          tf.constant(new int[] {ones[rank - 1]})), tf.constant(0));
      // Broadcast by adding zeros: Add's gradient reduces over the broadcast axes (BroadcastTo has no gradient here).
      Operand<T> zeros = tf.stopGradient(tf.fill(target, tf.dtypes.cast(tf.constant(0), x.type())));
      condition = tf.math.add(perExample, zeros);
    }
    return condition;
  }

  static <T extends TFloating> Operand<T> activate(Ops tf, Activation activation, Operand<T> x) {
    return switch (activation) {
      case RELU -> tf.nn.relu(x);
      case TANH -> tf.math.tanh(x);
      case ELU -> tf.nn.elu(x);
      case SOFTPLUS -> tf.math.softplus(x);
      // Rejected by the spec's validation: LipSwish carries a learned slope, which conditioners do not create.
      case LIPSWISH -> throw new IllegalArgumentException("LIPSWISH is for residual blocks only");
    };
  }
}
