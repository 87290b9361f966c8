package org.flows4j.tf;

import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.types.family.TFloating;

/**
 * What one pass through a flow needs besides its input.
 *
 * @param mode which estimators stochastic layers use, and whether conditioners apply dropout
 * @param condition for a conditional flow (the dequantization flow {@code q(u | x)}), features of the
 *     conditioning input that every conditioner receives next to its own input, concatenated along the last axis;
 *     {@code null} for an ordinary flow. An inverse must be given the condition of the forward pass it undoes.
 * @param initOps during the data-dependent initialisation pass, the collector that layers and conditioners with
 *     data-dependent initialisation (ActNorm, weight normalisation) add their assignments to; {@code null} in
 *     every other pass
 * @param firstStep in the trainer's training pass, the collector of ActNorm's initialisation inside the first step
 *     (see {@link FirstStepInitialization}); {@code null} in every other pass
 */
public record PassContext<T extends TFloating>(FlowMode mode, @Nullable Operand<T> condition,
    @Nullable List<Op> initOps, @Nullable FirstStepInitialization<T> firstStep) {
  public static <T extends TFloating> PassContext<T> of(FlowMode mode) {
    return new PassContext<>(mode, null, null, null);
  }

  public static <T extends TFloating> PassContext<T> training() {
    return of(FlowMode.TRAINING);
  }

  /** Inverses and sampling: no dropout, evaluation estimators. */
  public static <T extends TFloating> PassContext<T> evaluation() {
    return of(FlowMode.EVALUATION);
  }

  /** This context with a condition. */
  public PassContext<T> withCondition(Operand<T> features) {
    return new PassContext<>(mode, features, initOps, firstStep);
  }

  /** This context in the data-dependent initialisation pass, collecting assignments in {@code ops}. */
  public PassContext<T> initializing(List<Op> ops) {
    return new PassContext<>(mode, condition, ops, firstStep);
  }

  /** This training context collecting ActNorm's initialisation inside the first step into {@code collector}. */
  public PassContext<T> initializingInFirstStep(FirstStepInitialization<T> collector) {
    return new PassContext<>(mode, condition, initOps, collector);
  }

  /** Whether this is the data-dependent initialisation pass (layers then add to {@link #initOps()}). */
  public boolean isInitializing() {
    return initOps != null;
  }

  /** Adds an initialisation assignment; only valid when {@link #isInitializing()}. */
  public void addInitOp(Op op) {
    List<Op> ops = initOps;
    if (ops == null) {
      throw new IllegalStateException("not an initialising pass");
    }
    ops.add(op);
  }

  public boolean isTraining() {
    return mode == FlowMode.TRAINING;
  }
}
