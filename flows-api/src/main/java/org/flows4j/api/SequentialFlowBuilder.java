package org.flows4j.api;

import java.util.function.Consumer;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.step.StepSpec;

/**
 * Builds a flow whose steps form one list ({@link Layout#SEQUENTIAL}, one {@link LevelSpec}). Mutable; each
 * {@link #build()} returns an independent immutable spec.
 */
public interface SequentialFlowBuilder {
  /** Runs {@code body} {@code n} times (n ≥ 1), each time on a fresh {@link StepsBuilder}, appending in order. */
  SequentialFlowBuilder steps(int n, Consumer<StepsBuilder> body);

  /** Like {@link #steps(int, Consumer)}, passing the repetition index 0, 1, …, n-1. */
  SequentialFlowBuilder stepsIndexed(int n, IndexedSteps body);

  /** Appends one step record as is. */
  SequentialFlowBuilder add(StepSpec step);

  /** The base distribution; {@code Bases.standardNormal()} unless set. */
  SequentialFlowBuilder base(BaseSpec base);

  /** How discrete data become continuous (default {@code Dequantization.none()}). */
  SequentialFlowBuilder dequantize(Dequantization dequantization);

  /**
   * Makes the flow conditional, {@code p(x | c)}: every coupling's conditioner receives the context, e.g.
   * {@code Contexts.features(3)} or {@code Contexts.classes(10)}.
   */
  SequentialFlowBuilder context(ContextSpec context);

  /** Applies the logit transform with boundary {@code alpha} to the dequantized data (RealNVP, Glow). */
  SequentialFlowBuilder logit(double alpha);

  /** Checks the whole flow and returns it, or throws {@link InvalidFlowSpecException} listing every problem. */
  FlowSpec build();
}
