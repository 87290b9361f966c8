package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.StepSpec;
import org.flows4j.tf.FlowMode;
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
   * Ops that refresh normalisation state (power iteration of spectral norms): a cheap update after each optimizer
   * step, or a {@code thorough} one (tighter tolerance, more iterations) at start-up and before evaluation.
   */
  default List<Op> normalizationUpdates(Ops tf, boolean thorough) {
    return List.of();
  }

  /** {@code y ↦ (x, log|det ∂x/∂y|)} per example; the log-det is minus the forward one at the same point. */
  Transformed<T> inverse(Ops tf, Operand<T> y);

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
}
