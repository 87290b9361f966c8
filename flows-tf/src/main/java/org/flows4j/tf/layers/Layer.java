package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.StepSpec;
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
 *
 * <p>One primitive per direction, as distrax's {@code forward_and_log_det}: everything a pass needs besides its
 * input (the mode, the condition of a conditional flow, the data-dependent initialisation) comes in the
 * {@link PassContext}, so no layer has a second entry point that another caller could forget to use.
 */
public interface Layer<T extends TFloating> {
  StepSpec spec();

  Shape inputShape();

  Shape outputShape();

  /**
   * {@code x ↦ (y, log|det ∂y/∂x|)} per example. Layers with a stochastic log-det (residual blocks) use the
   * estimator of {@code context.mode()}; layers with a conditioner pass it the context (dropout, condition); layers
   * that initialise from data (ActNorm) add their assignments to the context's collector when
   * {@link PassContext#isInitializing()} and return their output computed with the fresh values.
   */
  Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context);

  /**
   * {@code y ↦ (x, log|det ∂x/∂y|)} per example; the log-det is minus the forward one at the same point. The
   * context must carry the same condition as the forward pass it inverts.
   */
  Transformed<T> inverseAndLogDet(Ops tf, Operand<T> y, PassContext<T> context);

  /** The layer's trainable variables. */
  List<Variable<T>> variables();

  /**
   * Ops that refresh normalisation state (power iteration of spectral norms): a cheap update after each optimizer
   * step, or a {@code thorough} one (tighter tolerance, more iterations) at start-up and before evaluation.
   */
  default List<Op> normalizationUpdates(Ops tf, boolean thorough) {
    return List.of();
  }
}
