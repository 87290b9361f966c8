package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.conditioner.MlpConditioner;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/** A coupling's conditioner network, its input and output sizes fixed by the coupling. */
interface ConditionerNet<T extends TFloating> {
  Operand<T> apply(Ops tf, Operand<T> x);

  List<Variable<T>> variables();

  /** Builds the network for a spec: {@code inFeatures} features in, {@code outFeatures} out. */
  static <T extends TFloating> ConditionerNet<T> create(
      Ops tf, ConditionerSpec spec, int inFeatures, int outFeatures, Parameters<T> parameters) {
    if (spec instanceof MlpConditioner mlp) {
      return new MlpNet<>(tf, mlp, inFeatures, outFeatures, parameters.in("mlp"));
    }
    return new ConvNet<>(tf, (ConvNetConditioner) spec, inFeatures, outFeatures, parameters.in("convnet"));
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
