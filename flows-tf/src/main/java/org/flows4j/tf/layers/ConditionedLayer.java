package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.StepSpec;
import org.flows4j.tf.FlowMode;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/**
 * A layer whose parameters come from a conditioner network, which sees the pass's context (dropout in training,
 * the condition of a conditional flow). Subclasses implement the context-taking passes; the shorter forms run
 * forward in training mode and inverse in evaluation mode, without a condition.
 */
abstract class ConditionedLayer<T extends TFloating, S extends StepSpec> extends AbstractLayer<T, S> {
  protected ConditionedLayer(S spec, Shape inputShape, Class<T> type) {
    super(spec, inputShape, type);
  }

  @Override
  public abstract Transformed<T> forward(Ops tf, Operand<T> x, PassContext<T> context);

  @Override
  public abstract Transformed<T> inverse(Ops tf, Operand<T> y, PassContext<T> context);

  @Override
  public final Transformed<T> forward(Ops tf, Operand<T> x) {
    return forward(tf, x, PassContext.training());
  }

  @Override
  public final Transformed<T> forward(Ops tf, Operand<T> x, FlowMode mode) {
    return forward(tf, x, PassContext.of(mode));
  }

  @Override
  public final Transformed<T> inverse(Ops tf, Operand<T> y) {
    return inverse(tf, y, PassContext.evaluation());
  }

  @Override
  public final Operand<T> initializingForward(Ops tf, Operand<T> x, List<Op> initOps) {
    return initializingForward(tf, x, initOps, PassContext.training());
  }

  /** The forward pass with the conditioner told to initialise from data (weight normalisation does). */
  @Override
  public final Operand<T> initializingForward(Ops tf, Operand<T> x, List<Op> initOps, PassContext<T> context) {
    return forward(tf, x, context.initializing(initOps)).value();
  }
}
