package org.flows4j.tf;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Shape;
import org.flows4j.api.step.FactorOut;
import org.flows4j.tf.distributions.BaseDistribution;
import org.flows4j.tf.layers.ConditionalTopPrior;
import org.flows4j.tf.layers.ContextEmbedding;
import org.flows4j.tf.layers.Layer;
import org.flows4j.tf.layers.Parameters;
import org.flows4j.tf.layers.SplitPrior;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/** The compiled flow: a list of stages (layers and factor-outs) and a base distribution. */
final class GraphFlow<T extends TFloating> implements CompiledFlow<T> {

  /** A step of the compiled flow: a bijection, or a factor-out that sends part of its input to the latent. */
  sealed interface Stage<T extends TFloating> {}

  record LayerStage<T extends TFloating>(CompiledStep<T> step) implements Stage<T> {
    Layer<T> layer() {
      return step.layer();
    }
  }

  /**
   * Keeps the first {@code kept} features, factors out the other {@code factored}, through Glow's learned
   * {@code prior} when there is one.
   */
  record FactorOutStage<T extends TFloating>(Shape inputShape, int kept, int factored, @Nullable SplitPrior<T> prior,
      StepLocation location) implements Stage<T> {
    Shape factoredShape() {
      return inputShape.withFeatures(factored);
    }

    Shape keptShape() {
      return inputShape.withFeatures(kept);
    }
  }

  private final FlowSpec spec;
  private final Class<T> type;
  private final List<Stage<T>> stages;
  private final Shape finalShape;
  private final BaseDistribution<T> base;
  private final Parameters<T> parameters;
  private final List<Variable<T>> trainable;
  private final List<Variable<?>> state;
  private final @Nullable ContextEmbedding<T> contextEmbedding;
  private final @Nullable ConditionalTopPrior<T> topPrior;

  /**
   * @param trainable the variables this flow created (its steps' and its base's), not those of other parts
   *     compiled with the same {@link Parameters} (the dequantizer's)
   * @param state likewise, the non-trainable state
   */
  GraphFlow(FlowSpec spec, List<Stage<T>> stages, Shape finalShape, BaseDistribution<T> base,
      Parameters<T> parameters, List<Variable<T>> trainable, List<Variable<?>> state,
      @Nullable ContextEmbedding<T> contextEmbedding, @Nullable ConditionalTopPrior<T> topPrior) {
    this.contextEmbedding = contextEmbedding;
    this.topPrior = topPrior;
    this.spec = spec;
    this.type = parameters.type();
    this.stages = ImmutableList.copyOf(stages);
    this.finalShape = finalShape;
    this.base = base;
    this.parameters = parameters;
    this.trainable = ImmutableList.copyOf(trainable);
    this.state = ImmutableList.copyOf(state);
  }

  static <T extends TFloating> FactorOutStage<T> factorOut(Shape input, @Nullable SplitPrior<T> prior,
      StepLocation location) {
    int factored = FactorOut.factoredFeatures(input.features());
    return new FactorOutStage<>(input, input.features() - factored, factored, prior, location);
  }

  @Override
  public FlowSpec spec() {
    return spec;
  }

  @Override
  public Class<T> type() {
    return type;
  }

  @Override
  public int latentDimension() {
    return spec.inputShape().size();
  }

  @Override
  public List<CompiledStep<T>> steps() {
    ImmutableList.Builder<CompiledStep<T>> steps = ImmutableList.builder();
    for (Stage<T> stage : stages) {
      if (stage instanceof LayerStage<T> layerStage) {
        steps.add(layerStage.step());
      }
    }
    return steps.build();
  }

  BaseDistribution<T> base() {
    return base;
  }

  @Override
  public PassContext<T> withContext(Ops tf, Operand<T> context, PassContext<T> pass) {
    if (contextEmbedding == null) {
      throw new IllegalArgumentException("this flow has no context (the spec declares none): call the methods "
          + "without one");
    }
    return pass.withCondition(contextEmbedding.condition(tf, context));
  }

  /** A conditional flow refuses a pass without its condition, which would otherwise fail deep in a conditioner. */
  private void checkCondition(PassContext<T> context) {
    if (contextEmbedding != null && context.condition() == null) {
      throw new IllegalArgumentException("this flow is conditional (" + spec.context() + "): pass the context, "
          + "e.g. logProb(tf, x, c, mode) or forwardAndLogDet(tf, x, flow.withContext(tf, c, pass))");
    }
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    checkCondition(context);
    Operand<T> h = x;
    Operand<T> logDet = Tensors.zerosPerExample(tf, x, type);
    List<Operand<T>> latents = new ArrayList<>();
    for (Stage<T> stage : stages) {
      if (stage instanceof LayerStage<T> layerStage) {
        // Each layer runs on the output of the layers before it; in the initialising pass, computed with their
        // fresh values.
        Transformed<T> out = layerStage.layer().forwardAndLogDet(tf, h, context);
        h = out.value();
        logDet = tf.math.add(logDet, out.logDet());
      } else if (stage instanceof FactorOutStage<T> factorOut) {
        SplitV<T> split = tf.splitV(h, tf.constant(new int[] {factorOut.kept(), factorOut.factored()}),
            tf.constant(factorOut.inputShape().rank()), 2L);
        h = split.output().get(0);
        Operand<T> factored = split.output().get(1);
        if (factorOut.prior() != null) {
          Transformed<T> prior = factorOut.prior().forward(tf, h, factored, context);
          factored = prior.value();
          logDet = tf.math.add(logDet, prior.logDet());
        }
        latents.add(flatten(tf, factored, factorOut.factoredShape()));
      }
    }
    latents.add(flatten(tf, h, finalShape));
    Operand<T> z = latents.size() == 1 ? latents.get(0) : tf.concat(latents, tf.constant(1));
    if (topPrior != null) {
      Transformed<T> prior = topPrior.forward(tf, z, java.util.Objects.requireNonNull(context.condition()));
      z = prior.value();
      logDet = tf.math.add(logDet, prior.logDet());
    }
    return new Transformed<>(z, logDet);
  }

  @Override
  public Transformed<T> inverse(Ops tf, Operand<T> z, PassContext<T> context) {
    checkCondition(context);
    List<Integer> pieceSizes = new ArrayList<>();
    for (Stage<T> stage : stages) {
      if (stage instanceof FactorOutStage<T> factorOut) {
        pieceSizes.add(factorOut.factoredShape().size());
      }
    }
    pieceSizes.add(finalShape.size());
    Operand<T> logDet = Tensors.zerosPerExample(tf, z, type);
    if (topPrior != null) {
      Transformed<T> prior = topPrior.inverse(tf, z, java.util.Objects.requireNonNull(context.condition()));
      z = prior.value();
      logDet = prior.logDet();
    }
    List<Operand<T>> pieces = new ArrayList<>();
    if (pieceSizes.size() == 1) {
      pieces.add(z);
    } else {
      int[] sizes = pieceSizes.stream().mapToInt(Integer::intValue).toArray();
      pieces.addAll(tf.splitV(z, tf.constant(sizes), tf.constant(1), (long) sizes.length).output());
    }
    int next = pieces.size() - 1;
    Operand<T> h = tf.reshape(pieces.get(next), Tensors.batchShape(tf, finalShape.toArray()));
    for (int i = stages.size() - 1; i >= 0; i--) {
      Stage<T> stage = stages.get(i);
      if (stage instanceof LayerStage<T> layerStage) {
        Transformed<T> out = layerStage.layer().inverseAndLogDet(tf, h, context);
        h = out.value();
        logDet = tf.math.add(logDet, out.logDet());
      } else if (stage instanceof FactorOutStage<T> factorOut) {
        next--;
        Operand<T> factored =
            tf.reshape(pieces.get(next), Tensors.batchShape(tf, factorOut.factoredShape().toArray()));
        if (factorOut.prior() != null) {
          Transformed<T> prior = factorOut.prior().inverse(tf, h, factored, context);
          factored = prior.value();
          logDet = tf.math.add(logDet, prior.logDet());
        }
        h = tf.concat(List.of(h, factored), tf.constant(factorOut.inputShape().rank()));
      }
    }
    return new Transformed<>(h, logDet);
  }

  @Override
  public Operand<T> logProb(Ops tf, Operand<T> x, PassContext<T> context) {
    Transformed<T> forward = forwardAndLogDet(tf, x, context);
    return tf.math.add(base.logProb(tf, forward.value()), forward.logDet());
  }

  @Override
  public Operand<T> sampleRows(
      Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed, Operand<TInt64> firstRow) {
    return inverse(tf, base.sample(tf, n, temperature, seed, firstRow), PassContext.evaluation()).value();
  }

  @Override
  public Operand<T> sampleRows(Ops tf, Operand<TInt32> n, Operand<T> context, Operand<T> temperature,
      Operand<TInt64> seed, Operand<TInt64> firstRow) {
    PassContext<T> pass = withContext(tf, context, PassContext.evaluation());
    return inverse(tf, base.sample(tf, n, temperature, seed, firstRow), pass).value();
  }

  @Override
  public Op dataInitialization(Ops tf, Operand<T> x) {
    return dataInitialization(tf, x, PassContext.<T>training());
  }

  @Override
  public Op dataInitialization(Ops tf, Operand<T> x, Operand<T> context) {
    return dataInitialization(tf, x, withContext(tf, context, PassContext.training()));
  }

  private Op dataInitialization(Ops tf, Operand<T> x, PassContext<T> pass) {
    List<Op> initOps = new ArrayList<>();
    forwardAndLogDet(tf, x, pass.initializing(initOps));
    return initOps.isEmpty() ? tf.noOp() : tf.withControlDependencies(initOps).noOp();
  }

  @Override
  public Operand<TBool> initialized(Ops tf) {
    List<Operand<TBool>> flags = new ArrayList<>();
    for (Variable<?> variable : state) {
      if (variable.type() == TBool.class) {
        @SuppressWarnings("unchecked")
        Variable<TBool> flag = (Variable<TBool>) variable;
        flags.add(flag);
      }
    }
    if (flags.isEmpty()) {
      return tf.constant(true);
    }
    return tf.reduceAll(tf.stack(flags), tf.constant(0));
  }

  @Override
  public Operand<TInt64> randomSeed() {
    return parameters.randomSeed();
  }

  @Override
  public Op normalizationUpdate(Ops tf, boolean thorough) {
    List<Op> updates = new ArrayList<>();
    for (Layer<T> layer : layers()) {
      updates.addAll(layer.normalizationUpdates(tf, thorough));
    }
    return updates.isEmpty() ? tf.noOp() : tf.withControlDependencies(updates).noOp();
  }

  @Override
  public List<Variable<T>> trainableVariables() {
    return trainable;
  }

  @Override
  public List<Variable<?>> stateVariables() {
    return state;
  }

  @Override
  public Map<String, List<Variable<T>>> auxiliaryVariableGroups() {
    ImmutableMap.Builder<String, List<Variable<T>>> groups = ImmutableMap.builder();
    if (contextEmbedding != null && !contextEmbedding.variables().isEmpty()) {
      groups.put("context embedding", contextEmbedding.variables());
    }
    for (Stage<T> stage : stages) {
      if (stage instanceof FactorOutStage<T> factorOut && factorOut.prior() != null) {
        groups.put(factorOut.location() + " prior", factorOut.prior().variables());
      }
    }
    if (topPrior != null) {
      groups.put("top prior", topPrior.variables());
    }
    return groups.build();
  }

  private Operand<T> flatten(Ops tf, Operand<T> x, Shape shape) {
    return tf.reshape(x, tf.constant(new int[] {-1, shape.size()}));
  }
}
