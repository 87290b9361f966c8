package org.flows4j.tf;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Shape;
import org.flows4j.api.step.FactorOut;
import org.flows4j.tf.distributions.BaseDistribution;
import org.flows4j.tf.layers.Layer;
import org.flows4j.tf.layers.Parameters;
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

  record LayerStage<T extends TFloating>(Layer<T> layer, String location) implements Stage<T> {}

  /** Keeps the first {@code kept} features, factors out the other {@code factored}. */
  record FactorOutStage<T extends TFloating>(Shape inputShape, int kept, int factored) implements Stage<T> {
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
  private final @Nullable VariationalDequantizer<T> dequantizer;

  GraphFlow(FlowSpec spec, List<Stage<T>> stages, Shape finalShape, BaseDistribution<T> base,
      Parameters<T> parameters, @Nullable VariationalDequantizer<T> dequantizer) {
    this.dequantizer = dequantizer;
    this.spec = spec;
    this.type = parameters.type();
    this.stages = ImmutableList.copyOf(stages);
    this.finalShape = finalShape;
    this.base = base;
    this.parameters = parameters;
  }

  static <T extends TFloating> FactorOutStage<T> factorOut(Shape input) {
    int factored = FactorOut.factoredFeatures(input.features());
    return new FactorOutStage<>(input, input.features() - factored, factored);
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
  public List<Layer<T>> layers() {
    ImmutableList.Builder<Layer<T>> layers = ImmutableList.builder();
    for (Stage<T> stage : stages) {
      if (stage instanceof LayerStage<T> layerStage) {
        layers.add(layerStage.layer());
      }
    }
    return layers.build();
  }

  @Override
  public List<String> layerLocations() {
    ImmutableList.Builder<String> locations = ImmutableList.builder();
    for (Stage<T> stage : stages) {
      if (stage instanceof LayerStage<T> layerStage) {
        locations.add(layerStage.location());
      }
    }
    return locations.build();
  }

  @Override
  public Optional<VariationalDequantizer<T>> dequantizer() {
    return Optional.ofNullable(dequantizer);
  }

  BaseDistribution<T> base() {
    return base;
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, FlowMode mode) {
    return forwardAndLogDet(tf, x, PassContext.of(mode));
  }

  /** The forward pass with a full context (a conditional flow's condition). */
  Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> h = x;
    Operand<T> logDet = Tensors.zerosPerExample(tf, x, type);
    List<Operand<T>> latents = new ArrayList<>();
    for (Stage<T> stage : stages) {
      if (stage instanceof LayerStage<T> layerStage) {
        Transformed<T> out = layerStage.layer().forward(tf, h, context);
        h = out.value();
        logDet = tf.math.add(logDet, out.logDet());
      } else if (stage instanceof FactorOutStage<T> factorOut) {
        SplitV<T> split = tf.splitV(h, tf.constant(new int[] {factorOut.kept(), factorOut.factored()}),
            tf.constant(factorOut.inputShape().rank()), 2L);
        h = split.output().get(0);
        latents.add(flatten(tf, split.output().get(1), factorOut.factoredShape()));
      }
    }
    latents.add(flatten(tf, h, finalShape));
    Operand<T> z = latents.size() == 1 ? latents.get(0) : tf.concat(latents, tf.constant(1));
    return new Transformed<>(z, logDet);
  }

  @Override
  public Transformed<T> inverse(Ops tf, Operand<T> z) {
    List<Integer> pieceSizes = new ArrayList<>();
    for (Stage<T> stage : stages) {
      if (stage instanceof FactorOutStage<T> factorOut) {
        pieceSizes.add(factorOut.factoredShape().size());
      }
    }
    pieceSizes.add(finalShape.size());
    List<Operand<T>> pieces = new ArrayList<>();
    if (pieceSizes.size() == 1) {
      pieces.add(z);
    } else {
      int[] sizes = pieceSizes.stream().mapToInt(Integer::intValue).toArray();
      pieces.addAll(tf.splitV(z, tf.constant(sizes), tf.constant(1), (long) sizes.length).output());
    }
    int next = pieces.size() - 1;
    Operand<T> h = tf.reshape(pieces.get(next), Tensors.batchShape(tf, finalShape.toArray()));
    Operand<T> logDet = Tensors.zerosPerExample(tf, z, type);
    for (int i = stages.size() - 1; i >= 0; i--) {
      Stage<T> stage = stages.get(i);
      if (stage instanceof LayerStage<T> layerStage) {
        Transformed<T> out = layerStage.layer().inverse(tf, h);
        h = out.value();
        logDet = tf.math.add(logDet, out.logDet());
      } else if (stage instanceof FactorOutStage<T> factorOut) {
        next--;
        Operand<T> factored =
            tf.reshape(pieces.get(next), Tensors.batchShape(tf, factorOut.factoredShape().toArray()));
        h = tf.concat(List.of(h, factored), tf.constant(factorOut.inputShape().rank()));
      }
    }
    return new Transformed<>(h, logDet);
  }

  @Override
  public Operand<T> logProb(Ops tf, Operand<T> x, FlowMode mode) {
    Transformed<T> forward = forwardAndLogDet(tf, x, mode);
    return tf.math.add(base.logProb(tf, forward.value()), forward.logDet());
  }

  @Override
  public Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed) {
    return inverse(tf, base.sample(tf, n, temperature, seed)).value();
  }

  @Override
  public Op dataInitialization(Ops tf, Operand<T> x) {
    List<Op> initOps = new ArrayList<>();
    addDataInitialization(tf, x, PassContext.training(), initOps);
    return initOps.isEmpty() ? tf.noOp() : tf.withControlDependencies(initOps).noOp();
  }

  /** Adds the data-dependent initialisation of every layer, run on {@code x}, to {@code initOps}. */
  void addDataInitialization(Ops tf, Operand<T> x, PassContext<T> context, List<Op> initOps) {
    Operand<T> h = x;
    for (Stage<T> stage : stages) {
      if (stage instanceof LayerStage<T> layerStage) {
        // Each layer initialises on the output of the layers before it, computed with their fresh values.
        h = layerStage.layer().initializingForward(tf, h, initOps, context);
      } else if (stage instanceof FactorOutStage<T> factorOut) {
        h = tf.splitV(h, tf.constant(new int[] {factorOut.kept(), factorOut.factored()}),
            tf.constant(factorOut.inputShape().rank()), 2L).output().get(0);
      }
    }
  }

  @Override
  public Operand<TBool> initialized(Ops tf) {
    List<Operand<TBool>> flags = new ArrayList<>();
    for (Variable<?> state : parameters.state()) {
      if (state.type() == TBool.class) {
        @SuppressWarnings("unchecked")
        Variable<TBool> flag = (Variable<TBool>) state;
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
    if (dequantizer != null) {
      for (Layer<T> layer : dequantizer.layers()) {
        updates.addAll(layer.normalizationUpdates(tf, thorough));
      }
    }
    return updates.isEmpty() ? tf.noOp() : tf.withControlDependencies(updates).noOp();
  }

  @Override
  public List<Variable<T>> trainableVariables() {
    return parameters.trainable();
  }

  @Override
  public List<Variable<?>> stateVariables() {
    return parameters.state();
  }

  private Operand<T> flatten(Ops tf, Operand<T> x, Shape shape) {
    return tf.reshape(x, tf.constant(new int[] {-1, shape.size()}));
  }
}
