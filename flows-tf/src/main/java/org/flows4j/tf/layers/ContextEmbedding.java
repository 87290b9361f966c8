package org.flows4j.tf.layers;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.context.ClassContext;
import org.flows4j.api.context.ContextEncoder;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.context.FeatureContext;
import org.flows4j.api.context.MlpEncoder;
import org.flows4j.api.context.NoContext;
import org.flows4j.api.context.NoEncoder;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * The compiled context of a conditional flow: raw context {@code [batch, inputWidth]} (features, or the class index
 * as a number) → the condition {@code [batch, conditionFeatures]} every conditioner receives. A class label selects
 * a row of a learned embedding (a one-hot product, whose gradient is a MatMul's); a shared MLP encoder, when
 * declared, follows.
 */
public final class ContextEmbedding<T extends TFloating> {
  private final ContextSpec spec;
  private final Class<T> type;
  private final @Nullable Variable<T> embedding; // a class context only
  private final List<Variable<T>> weights;
  private final List<Variable<T>> biases;
  private final Activation activation;

  public ContextEmbedding(Ops tf, ContextSpec spec, Parameters<T> parameters) {
    this.spec = spec;
    this.type = parameters.type();
    int features;
    ContextEncoder encoder;
    if (spec instanceof FeatureContext feature) {
      this.embedding = null;
      features = feature.features();
      encoder = feature.encoder();
    } else if (spec instanceof ClassContext label) {
      // Unit-scale rows, so the classes start apart as much as features in [-1, 1] would.
      this.embedding = parameters.glorotUniform(tf, "embedding", new long[] {label.classes(),
          label.embeddingFeatures()}, 1, 1);
      features = label.embeddingFeatures();
      encoder = label.encoder();
    } else if (spec instanceof NoContext) {
      throw new IllegalArgumentException("an unconditional flow has no context to embed");
    } else {
      throw new IllegalArgumentException("no compiled context for " + spec);
    }
    ImmutableList.Builder<Variable<T>> w = ImmutableList.builder();
    ImmutableList.Builder<Variable<T>> b = ImmutableList.builder();
    if (encoder instanceof MlpEncoder mlp) {
      this.activation = mlp.activation();
      int in = features;
      List<Integer> widths = ImmutableList.<Integer>builder().addAll(mlp.hiddenWidths()).add(mlp.outputFeatures())
          .build();
      for (int i = 0; i < widths.size(); i++) {
        int out = widths.get(i);
        w.add(parameters.glorotUniform(tf, "encoder.dense_" + i + ".weight", new long[] {in, out}, in, out));
        b.add(parameters.filled(tf, "encoder.dense_" + i + ".bias", new long[] {out}, 0.0));
        in = out;
      }
    } else if (encoder instanceof NoEncoder) {
      this.activation = Activation.RELU; // unused: no layers
    } else {
      throw new IllegalArgumentException("no compiled context encoder for " + encoder);
    }
    this.weights = w.build();
    this.biases = b.build();
  }

  /** The condition for a batch of raw contexts {@code [batch, inputWidth]}. */
  public Operand<T> condition(Ops tf, Operand<T> context) {
    Operand<T> h = context;
    if (embedding != null) {
      Operand<TInt32> labels = tf.dtypes.cast(tf.reshape(context, tf.constant(new int[] {-1})), TInt32.class);
      Operand<T> oneHot = tf.oneHot(labels, tf.constant(((ClassContext) spec).classes()),
          Tensors.scalar(tf, 1.0, type), Tensors.scalar(tf, 0.0, type));
      h = tf.linalg.matMul(oneHot, embedding);
    }
    for (int i = 0; i < weights.size(); i++) {
      h = tf.math.add(tf.linalg.matMul(h, weights.get(i)), biases.get(i));
      if (i < weights.size() - 1) {
        h = ConditionerNet.activate(tf, activation, h);
      }
    }
    return h;
  }

  /** The embedding's and the encoder's variables. */
  public List<Variable<T>> variables() {
    ImmutableList.Builder<Variable<T>> all = ImmutableList.builder();
    if (embedding != null) {
      all.add(embedding);
    }
    for (int i = 0; i < weights.size(); i++) {
      all.add(weights.get(i)).add(biases.get(i));
    }
    return all.build();
  }
}
