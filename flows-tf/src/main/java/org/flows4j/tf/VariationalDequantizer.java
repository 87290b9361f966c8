package org.flows4j.tf;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.data.VariationalDequantization;
import org.flows4j.tf.layers.ConditionNetwork;
import org.flows4j.tf.layers.Layer;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * The compiled {@code q(u | x)} of Flow++'s variational dequantization (see {@link VariationalDequantization}):
 * a context network reading the pixels, and a conditional flow whose steps run forward from Gaussian noise ε to
 * {@code v}, squashed to {@code u = σ(v) ∈ (0, 1)^D}. Forward, because that direction is one pass with exact
 * gradients for every step (a mixture-of-logistics coupling's inverse is a bisection without gradient); the
 * density of {@code u} follows from the change of variables.
 */
public final class VariationalDequantizer<T extends TFloating> {
  private final VariationalDequantization spec;
  private final Shape shape;
  private final Class<T> type;
  private final ConditionNetwork<T> context;
  private final GraphFlow<T> noiseFlow;
  /** Features of the flow's embedded context {@code c} the noise flow also receives; 0 for p(x) flows. */
  private final int flowContextFeatures;

  VariationalDequantizer(VariationalDequantization spec, Shape shape, ConditionNetwork<T> context,
      GraphFlow<T> noiseFlow, int flowContextFeatures) {
    this.flowContextFeatures = flowContextFeatures;
    this.spec = spec;
    this.shape = shape;
    this.type = noiseFlow.type();
    this.context = context;
    this.noiseFlow = noiseFlow;
  }

  public VariationalDequantization spec() {
    return spec;
  }

  /**
   * Draws {@code u ~ q(u | x)} for the pixels' bins {@code bins} ({@code [batch, ...shape]}, integers in
   * {@code [0, levels)} stored as floats), with {@code log q(u | x)} per example. The same {@code seed}
   * ({@code [2]} int64) gives the same noise.
   */
  public Transformed<T> sample(Ops tf, Operand<T> bins, Operand<TInt64> seed, FlowMode mode) {
    return sample(tf, bins, seed, mode, null);
  }

  /**
   * {@code u ~ q(u | x, c)} for a conditional flow: {@code flowCondition} is the flow's embedded context
   * ({@code [batch, E]}, {@link PassContext#condition()} after {@code CompiledFlow.withContext}), given to every
   * step of the dequantization flow next to the context network's features of the pixels (repeated at every pixel).
   * The bound stays a bound without it, but a dequantizer that knows the class can fit the noise of each class.
   */
  public Transformed<T> sample(Ops tf, Operand<T> bins, Operand<TInt64> seed, FlowMode mode,
      @Nullable Operand<T> flowCondition) {
    return sample(tf, bins, seed, tf.constant(0L), mode, flowCondition);
  }

  /**
   * The same with the noise of rows {@code [firstRow, firstRow + batch)} of the seed's stream of ε rows
   * ({@link Seeds#normalRows}): row r's noise depends on the seed and r only, so a batch cut into chunks draws what
   * it draws whole (chunked importance sampling relies on it).
   */
  public Transformed<T> sample(Ops tf, Operand<T> bins, Operand<TInt64> seed, Operand<TInt64> firstRow,
      FlowMode mode, @Nullable Operand<T> flowCondition) {
    Operand<T> epsilon = tf.reshape(noiseFlow.base().sample(tf, Tensors.batchSize(tf, bins), scalar(tf, 1.0), seed,
        firstRow), Tensors.batchShape(tf, shape.toArray()));
    return transform(tf, bins, epsilon, mode, flowCondition);
  }

  /** {@code ε ↦ (u, log q(u | x))} for given noise {@code epsilon} ({@code [batch, ...shape]}); tests use it. */
  Transformed<T> transform(Ops tf, Operand<T> bins, Operand<T> epsilon, FlowMode mode) {
    return transform(tf, bins, epsilon, mode, null);
  }

  /** {@code ε ↦ (u, log q(u | x, c))}, with the flow's embedded context {@code flowCondition}; tests use it. */
  Transformed<T> transform(Ops tf, Operand<T> bins, Operand<T> epsilon, FlowMode mode,
      @Nullable Operand<T> flowCondition) {
    PassContext<T> pass = PassContext.of(mode);
    Operand<T> condition = condition(tf, bins, pass, flowCondition);
    return squash(tf, epsilon, noiseFlow.forwardAndLogDet(tf, epsilon, pass.withCondition(condition)));
  }

  /**
   * The noise flow's condition: the context network's features of the pixels, then (for a conditional flow) the
   * flow's embedded context repeated at every position, concatenated on the last axis.
   */
  private Operand<T> condition(Ops tf, Operand<T> bins, PassContext<T> pass, @Nullable Operand<T> flowCondition) {
    Operand<T> pixels = context.apply(tf, centred(tf, bins), pass);
    if (flowContextFeatures == 0) {
      return pixels;
    }
    if (flowCondition == null) {
      throw new IllegalArgumentException("this dequantizer is conditioned on the flow's context (q(u | x, c)): "
          + "pass the embedded context");
    }
    int rank = shape.rank();
    int[] perExample = new int[rank + 1];
    int[] multiples = new int[rank + 1];
    perExample[0] = -1;
    multiples[0] = 1;
    for (int i = 1; i < rank; i++) {
      perExample[i] = 1;
      multiples[i] = shape.dim(i - 1);
    }
    perExample[rank] = flowContextFeatures;
    multiples[rank] = 1;
    Operand<T> repeated = tf.tile(tf.reshape(flowCondition, tf.constant(perExample)), tf.constant(multiples));
    return tf.concat(java.util.List.of(pixels, repeated), tf.constant(-1));
  }

  /**
   * Adds the data-dependent initialisation of the context network and of the flow's layers (ActNorm) to
   * {@code initOps}, on one noise draw for {@code bins}.
   */
  public void addDataInitialization(Ops tf, Operand<T> bins, Operand<TInt64> seed, List<Op> initOps) {
    addDataInitialization(tf, bins, seed, initOps, null);
  }

  /** The same for a conditional flow, with its embedded context (see {@link #sample(Ops, Operand, Operand,
   * FlowMode, Operand)}). */
  public void addDataInitialization(Ops tf, Operand<T> bins, Operand<TInt64> seed, List<Op> initOps,
      @Nullable Operand<T> flowCondition) {
    PassContext<T> pass = PassContext.<T>training().initializing(initOps);
    Operand<T> condition = condition(tf, bins, pass, flowCondition);
    Operand<T> epsilon = tf.reshape(noise(tf, bins, seed), Tensors.batchShape(tf, shape.toArray()));
    noiseFlow.forwardAndLogDet(tf, epsilon, pass.withCondition(condition));
  }

  /** The dequantization flow's steps, located {@code dequantization.flow.steps[i] (kind)}. */
  public List<CompiledStep<T>> steps() {
    return noiseFlow.steps().stream()
        .map(step -> new CompiledStep<>(step.layer(), step.location().within("dequantization.flow.")))
        .collect(ImmutableList.toImmutableList());
  }

  /** The dequantization flow's layers, in order. */
  public List<Layer<T>> layers() {
    return noiseFlow.layers();
  }

  /** Every variable of {@code q(u | x)}: the context network's and the dequantization flow's. */
  public List<Variable<T>> variables() {
    ImmutableList.Builder<Variable<T>> all = ImmutableList.builder();
    all.addAll(context.variables());
    all.addAll(noiseFlow.trainableVariables());
    return all.build();
  }

  /** The dequantization flow's non-trainable state (ActNorm's flags). */
  public List<Variable<?>> stateVariables() {
    return noiseFlow.stateVariables();
  }

  /** True when the dequantization flow's data-initialised layers have been initialised. */
  Operand<TBool> initialized(Ops tf) {
    return noiseFlow.initialized(tf);
  }

  /** The normalisation updates of the dequantization flow's layers. */
  Op normalizationUpdate(Ops tf, boolean thorough) {
    return noiseFlow.normalizationUpdate(tf, thorough);
  }

  /** The context network's variables. */
  public List<Variable<T>> contextVariables() {
    return context.variables();
  }

  /** Bins to {@code [-½, ½]}, the range the context network reads. */
  private Operand<T> centred(Ops tf, Operand<T> bins) {
    return tf.math.sub(tf.math.div(tf.math.add(bins, scalar(tf, 0.5)), scalar(tf, spec.levels())), scalar(tf, 0.5));
  }

  /** ε from the flow's base, flat {@code [batch, D]}. */
  private Operand<T> noise(Ops tf, Operand<T> bins, Operand<TInt64> seed) {
    return noiseFlow.base().sample(tf, Tensors.batchSize(tf, bins), scalar(tf, 1.0), seed);
  }

  /**
   * {@code u = σ(v)} and {@code log q(u) = log p(ε) − log|det ∂v/∂ε| − Σ log σ'(v)}, with
   * {@code log σ'(v) = −softplus(−v) − softplus(v)} (stable for any v).
   */
  private Transformed<T> squash(Ops tf, Operand<T> epsilon, Transformed<T> flowed) {
    Operand<T> epsilonFlat = tf.reshape(epsilon, tf.constant(new int[] {-1, shape.size()}));
    Operand<T> v = flowed.value();
    Operand<T> logQv = tf.math.sub(noiseFlow.base().logProb(tf, epsilonFlat), flowed.logDet());
    Operand<T> logSlope = tf.math.neg(tf.math.add(tf.math.softplus(tf.math.neg(v)), tf.math.softplus(v)));
    Operand<T> logQu = tf.math.sub(logQv, Tensors.sumPerExample(tf, logSlope, 1));
    Operand<T> u = tf.reshape(tf.math.sigmoid(v), Tensors.batchShape(tf, shape.toArray()));
    return new Transformed<>(u, logQu);
  }

  private Operand<T> scalar(Ops tf, double value) {
    return Tensors.scalar(tf, value, type);
  }
}
