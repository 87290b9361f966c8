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
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * One compiled step: a bijection between batches of {@link #inputShape()} and {@link #outputShape()}. Forward is
 * data → latent. Variables are created when the layer is built; the methods here only emit ops, so they can be
 * called several times (training graph, evaluation graph, export signatures).
 */
public interface Layer<T extends TFloating> {
  StepSpec spec();

  Shape inputShape();

  Shape outputShape();

  /** {@code x ↦ (y, log|det ∂y/∂x|)} per example. */
  Transformed<T> forward(Ops tf, Operand<T> x);

  /**
   * The forward pass in a mode: layers with a stochastic log-det (residual blocks) use their evaluation estimator in
   * {@link FlowMode#EVALUATION}; the others ignore the mode.
   */
  default Transformed<T> forward(Ops tf, Operand<T> x, FlowMode mode) {
    return forward(tf, x);
  }

  /**
   * The forward pass with a full context: layers with a conditioner (couplings) pass the mode and the condition of
   * a conditional flow to it; the others use {@link #forward(Ops, Operand, FlowMode)}.
   */
  default Transformed<T> forward(Ops tf, Operand<T> x, PassContext<T> context) {
    return forward(tf, x, context.mode());
  }

  /**
   * Ops that refresh normalisation state (power iteration of spectral norms): a cheap update after each optimizer
   * step, or a {@code thorough} one (tighter tolerance, more iterations) at start-up and before evaluation.
   */
  default List<Op> normalizationUpdates(Ops tf, boolean thorough) {
    return List.of();
  }

  /** {@code y ↦ (x, log|det ∂x/∂y|)} per example; the log-det is minus the forward one at the same point. */
  Transformed<T> inverse(Ops tf, Operand<T> y);

  /** The inverse with a context; only layers with a conditioner look at it. */
  default Transformed<T> inverse(Ops tf, Operand<T> y, PassContext<T> context) {
    return inverse(tf, y);
  }

  /** The layer's trainable variables. */
  List<Variable<T>> variables();

  /**
   * The forward pass used by data-dependent initialisation: layers that initialise from data (ActNorm) add their
   * assignment ops to {@code initOps} and return their output computed with the fresh values. Others just run
   * forward.
   */
  default Operand<T> initializingForward(Ops tf, Operand<T> x, List<Op> initOps) {
    return forward(tf, x).value();
  }

  /** {@link #initializingForward(Ops, Operand, List)} in a conditional flow. */
  default Operand<T> initializingForward(Ops tf, Operand<T> x, List<Op> initOps, PassContext<T> context) {
    return initializingForward(tf, x, initOps);
  }
}
