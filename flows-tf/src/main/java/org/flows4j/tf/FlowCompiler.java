package org.flows4j.tf;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Layout;
import org.flows4j.api.LevelSpec;
import org.flows4j.api.Shape;
import org.flows4j.api.base.DiagonalGaussian;
import org.flows4j.api.data.VariationalDequantization;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.StepSpec;
import org.flows4j.tf.distributions.BaseDistribution;
import org.flows4j.tf.gradients.GradientRegistry;
import org.flows4j.tf.layers.ConditionNetwork;
import org.flows4j.tf.layers.ConditionalTopPrior;
import org.flows4j.tf.layers.ContextEmbedding;
import org.flows4j.tf.layers.Layer;
import org.flows4j.tf.layers.Layers;
import org.flows4j.tf.layers.Parameters;
import org.flows4j.tf.layers.SplitPrior;
import org.flows4j.tf.residual.ResidualLayer;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * Lowers a {@link FlowSpec} to a TensorFlow graph. Variables are created under the {@code flow/} name scope with
 * initialisers derived from {@code seed}: the same spec and seed give the same initial weights.
 */
public final class FlowCompiler {
  private FlowCompiler() {}

  /** Compiles in float32, the training precision. */
  public static CompiledFlow<TFloat32> compile(Ops tf, FlowSpec spec, long seed) {
    return compile(tf, spec, TFloat32.class, seed);
  }

  /** Compiles in float64, for numerical checks. */
  public static CompiledFlow<TFloat64> compileFloat64(Ops tf, FlowSpec spec, long seed) {
    return compile(tf, spec, TFloat64.class, seed);
  }

  /**
   * Compiles the flow of {@code spec}. For a spec with variational dequantization the dequantizer is compiled too
   * (so the flow's weights are the same whichever entry point is used) but only {@link #compileModel} returns it.
   */
  public static <T extends TFloating> CompiledFlow<T> compile(Ops tf, FlowSpec spec, Class<T> type, long seed) {
    return compileModel(tf, spec, type, seed).flow();
  }

  /** Compiles the whole model in float32: the flow and the way data reach it (a variational dequantizer). */
  public static LikelihoodModel<TFloat32> compileModel(Ops tf, FlowSpec spec, long seed) {
    return compileModel(tf, spec, TFloat32.class, seed);
  }

  /**
   * Compiles the whole model: the flow and the way data reach it, with Flow++'s variational dequantizer when the
   * spec asks for it.
   */
  public static <T extends TFloating> LikelihoodModel<T> compileModel(
      Ops tf, FlowSpec spec, Class<T> type, long seed) {
    // Gradients for ops the C++ registry lacks must exist before anyone calls tf.gradients on this graph.
    GradientRegistry.ensureRegistered();
    org.flows4j.api.Flows.validate(spec);
    Parameters<T> parameters = new Parameters<>(type, seed);
    Ops flowScope = tf.withSubScope("flow");
    parameters.createRandomSeed(flowScope);
    VariationalDequantizer<T> dequantizer = spec.dequantization() instanceof VariationalDequantization variational
        ? dequantizer(flowScope, spec.inputShape(), variational, spec.context().conditionFeatures(),
            parameters.in("dequantization"))
        : null;
    return LikelihoodModel.of(flow(flowScope, spec, 0, parameters), dequantizer);
  }

  /**
   * Compiles a conditional flow: every conditioner receives {@code conditionFeatures} more input features, the
   * condition of {@link PassContext}. Tests use it; the dequantizer compiles its noise flow this way.
   */
  static <T extends TFloating> GraphFlow<T> conditionalFlow(
      Ops tf, FlowSpec spec, int conditionFeatures, Class<T> type, long seed) {
    GradientRegistry.ensureRegistered();
    org.flows4j.api.Flows.validate(spec);
    Parameters<T> parameters = new Parameters<>(type, seed);
    Ops flowScope = tf.withSubScope("flow");
    parameters.createRandomSeed(flowScope);
    return flow(flowScope, spec, conditionFeatures, parameters);
  }

  /**
   * Compiles the steps of {@code spec} and its base. {@code conditionFeatures} is the width of the condition that
   * couplings receive in a conditional flow (0 otherwise).
   */
  private static <T extends TFloating> GraphFlow<T> flow(
      Ops flowScope, FlowSpec spec, int conditionFeatures, Parameters<T> parameters) {
    // The flow owns the variables created from here on (a dequantizer compiled before it keeps its own).
    int trainableBefore = parameters.trainable().size();
    int stateBefore = parameters.state().size();
    ContextEmbedding<T> contextEmbedding = spec.context().isConditional()
        ? new ContextEmbedding<>(flowScope, spec.context(), parameters.in("context")) : null;
    int conditionWidth = conditionFeatures + spec.context().conditionFeatures();
    List<GraphFlow.Stage<T>> stages = new ArrayList<>();
    Shape shape = spec.inputShape();
    for (int l = 0; l < spec.levels().size(); l++) {
      LevelSpec level = spec.levels().get(l);
      for (int s = 0; s < level.steps().size(); s++) {
        StepSpec step = level.steps().get(s);
        if (step instanceof FactorOut split) {
          int factored = FactorOut.factoredFeatures(shape.features());
          SplitPrior<T> prior = split.prior() == FactorOutPrior.LEARNED
              ? new SplitPrior<>(flowScope, shape.withFeatures(shape.features() - factored), factored,
                  conditionWidth, parameters.in("level_" + l + ".step_" + s + "_" + step.kind()))
              : null;
          StepLocation splitLocation = spec.layout() == Layout.MULTISCALE
              ? StepLocation.multiscale(l, s, step.kind()) : StepLocation.sequential(s, step.kind());
          GraphFlow.FactorOutStage<T> factorOut = GraphFlow.factorOut(shape, prior, splitLocation);
          stages.add(factorOut);
          shape = factorOut.keptShape();
          continue;
        }
        Parameters<T> stepParameters = parameters.in("level_" + l + ".step_" + s + "_" + step.kind());
        StepLocation location = spec.layout() == Layout.MULTISCALE
            ? StepLocation.multiscale(l, s, step.kind()) : StepLocation.sequential(s, step.kind());
        Layer<T> layer = Layers.create(flowScope, step, shape, conditionWidth, stepParameters);
        stages.add(new GraphFlow.LayerStage<>(new CompiledStep<>(layer, location)));
        shape = step.outputShape(shape);
      }
    }
    shareResidualBodies(stages);
    BaseDistribution<T> base =
        BaseDistribution.create(flowScope, spec.base(), spec.inputShape().size(), parameters);
    // Glow's class-conditional learned top prior: a learned diagonal Gaussian whose mean and scale the context shifts.
    ConditionalTopPrior<T> topPrior = spec.context().isConditional() && spec.base() instanceof DiagonalGaussian
        ? new ConditionalTopPrior<>(flowScope, spec.inputShape().size(), spec.context().conditionFeatures(),
            parameters.in("top_prior"))
        : null;
    List<Variable<T>> trainable = parameters.trainable();
    List<Variable<?>> state = parameters.state();
    return new GraphFlow<>(spec, stages, shape, base, parameters,
        trainable.subList(trainableBefore, trainable.size()), state.subList(stateBefore, state.size()),
        contextEmbedding, topPrior);
  }

  /** Tells each residual block how many blocks of the flow share its kind (see {@link ResidualLayer#sharedBy}). */
  private static <T extends TFloating> void shareResidualBodies(List<GraphFlow.Stage<T>> stages) {
    java.util.Map<Object, List<ResidualLayer<T>>> byKind = new java.util.HashMap<>();
    for (GraphFlow.Stage<T> stage : stages) {
      if (stage instanceof GraphFlow.LayerStage<T> layerStage
          && layerStage.step().layer() instanceof ResidualLayer<T> residual) {
        byKind.computeIfAbsent(residual.kind(), k -> new ArrayList<>()).add(residual);
      }
    }
    byKind.values().forEach(blocks -> blocks.forEach(block -> block.sharedBy(blocks.size())));
  }

  /**
   * Flow++'s {@code q(u | x)}: the context network and the conditional dequantization flow. In a conditional flow
   * the dequantization flow also receives the flow's embedded context ({@code flowContextFeatures} features), so
   * the noise is {@code q(u | x, c)}.
   */
  private static <T extends TFloating> VariationalDequantizer<T> dequantizer(Ops flowScope, Shape dataShape,
      VariationalDequantization spec, int flowContextFeatures, Parameters<T> parameters) {
    ConditionNetwork<T> context = new ConditionNetwork<>(
        flowScope, spec.context(), dataShape, spec.contextFeatures(), parameters.in("context"));
    GraphFlow<T> noiseFlow = flow(flowScope, spec.flow(), spec.contextFeatures() + flowContextFeatures,
        parameters.in("flow"));
    return new VariationalDequantizer<>(spec, dataShape, context, noiseFlow, flowContextFeatures);
  }
}
