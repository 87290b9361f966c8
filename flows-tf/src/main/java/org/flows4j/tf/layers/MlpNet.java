package org.flows4j.tf.layers;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.tf.PassContext;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/** Dense layers with the spec's activation; the output layer is linear and optionally starts at zero. */
final class MlpNet<T extends TFloating> implements ConditionerNet<T> {
  private final MlpConditioner spec;
  private final List<Variable<T>> weights = new ArrayList<>();
  private final List<Variable<T>> biases = new ArrayList<>();

  MlpNet(Ops tf, MlpConditioner spec, int inFeatures, int outFeatures, Parameters<T> parameters) {
    this.spec = spec;
    int fanIn = inFeatures;
    for (int i = 0; i < spec.hiddenWidths().size(); i++) {
      int width = spec.hiddenWidths().get(i);
      Parameters<T> layer = parameters.in("dense_" + i);
      weights.add(layer.glorotUniform(tf, "kernel", new long[] {fanIn, width}, fanIn, width));
      biases.add(layer.filled(tf, "bias", new long[] {width}, 0.0));
      fanIn = width;
    }
    Parameters<T> out = parameters.in("dense_out");
    long[] kernelShape = {fanIn, outFeatures};
    weights.add(spec.zeroInitLastLayer()
        ? out.filled(tf, "kernel", kernelShape, 0.0)
        : out.glorotUniform(tf, "kernel", kernelShape, fanIn, outFeatures));
    biases.add(out.filled(tf, "bias", new long[] {outFeatures}, 0.0));
  }

  @Override
  public Operand<T> apply(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> h = ConditionerNet.withCondition(tf, x, context);
    int last = weights.size() - 1;
    for (int i = 0; i <= last; i++) {
      h = tf.math.add(tf.linalg.matMul(h, weights.get(i)), biases.get(i));
      if (i < last) {
        h = ConditionerNet.activate(tf, spec.activation(), h);
      }
    }
    return h;
  }

  @Override
  public List<Variable<T>> variables() {
    ImmutableList.Builder<Variable<T>> all = ImmutableList.builder();
    for (int i = 0; i < weights.size(); i++) {
      all.add(weights.get(i), biases.get(i));
    }
    return all.build();
  }
}
