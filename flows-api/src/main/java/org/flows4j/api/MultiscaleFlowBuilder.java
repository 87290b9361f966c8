package org.flows4j.api;

import java.util.function.Consumer;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.data.Dequantization;

/**
 * Builds a multi-scale flow ({@link Layout#MULTISCALE}, RealNVP and Glow): levels of steps on an image input.
 *
 * <p>{@link #build()} appends a {@link org.flows4j.api.step.FactorOut} step at the end of every level except the
 * last, so half of the channels leave the flow after each level. The factor-outs are explicit steps in the built
 * spec, not implied by the layout. A level whose body added nothing gets no factor-out and is reported by
 * {@code build()}.
 *
 * <p>Mutable; each {@link #build()} returns an independent immutable spec.
 */
public interface MultiscaleFlowBuilder {
  /** Appends {@code n} levels (n ≥ 1), running {@code body} on a fresh {@link StepsBuilder} for each. */
  MultiscaleFlowBuilder levels(int n, Consumer<StepsBuilder> body);

  /** Like {@link #levels(int, Consumer)}, passing the index 0, 1, …, n-1 within this call. */
  MultiscaleFlowBuilder levelsIndexed(int n, IndexedSteps body);

  /** Appends one level. */
  MultiscaleFlowBuilder level(Consumer<StepsBuilder> body);

  /** The base distribution; {@code Bases.standardNormal()} unless set. */
  MultiscaleFlowBuilder base(BaseSpec base);

  /** How discrete data become continuous (default {@code Dequantization.none()}). */
  MultiscaleFlowBuilder dequantize(Dequantization dequantization);

  /**
   * Makes the flow conditional, {@code p(x | c)}: every coupling's conditioner receives the context, e.g.
   * {@code Contexts.features(3)} or {@code Contexts.classes(10)}.
   */
  MultiscaleFlowBuilder context(ContextSpec context);

  /**
   * The prior of the parts factored out between levels: {@link FactorOutPrior#BASE} (default) or Glow's
   * {@link FactorOutPrior#LEARNED}, conditioned on the kept half.
   */
  MultiscaleFlowBuilder factorOutPrior(FactorOutPrior prior);

  /** Applies the logit transform with boundary {@code alpha} to the dequantized data (RealNVP, Glow). */
  MultiscaleFlowBuilder logit(double alpha);

  /** Checks the whole flow and returns it, or throws {@link InvalidFlowSpecException} listing every problem. */
  FlowSpec build();
}
