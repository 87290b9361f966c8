package org.flows4j.api;

import com.google.common.collect.ImmutableList;

/**
 * The entry point of the flow DSL, meant for static import.
 *
 * <pre>{@code
 * FlowSpec glow = multiscale(Shape.of(28, 28, 1))
 *     .levels(2, level -> level.squeeze()
 *         .steps(8, step -> step.actNorm()
 *             .invertibleConv1x1(Conv1x1.LU_DECOMPOSED)
 *             .affineCoupling(Mask.CHANNELS, Conditioners.convNet(256), AffineScale.sigmoid())))
 *     .build();
 * }</pre>
 */
public final class Flows {
  private Flows() {}

  /** A flow whose steps form one list, for vectors or images. */
  public static SequentialFlowBuilder sequential(Shape inputShape) {
    return new SequentialFlowBuilderImpl(inputShape);
  }

  /**
   * A multi-scale flow on an image {@code [height, width, channels]}: levels of steps, with a factor-out appended
   * after every level except the last (see {@link MultiscaleFlowBuilder}).
   */
  public static MultiscaleFlowBuilder multiscale(Shape inputShape) {
    return new MultiscaleFlowBuilderImpl(inputShape);
  }

  /**
   * Checks a spec built by hand or read from elsewhere with the same rules as {@code build()}: returns it, or
   * throws {@link InvalidFlowSpecException} listing every problem.
   */
  public static FlowSpec validate(FlowSpec spec) {
    return FlowSpecValidator.check(spec);
  }

  /** Every broken rule of a spec, without throwing; empty when it is valid. */
  public static ImmutableList<Problem> problems(FlowSpec spec) {
    return FlowSpecValidator.walk(spec).problems();
  }

  /**
   * The inferred shapes of a valid spec: element {@code i} is the input shape of {@code spec.steps().get(i)}, and
   * the last element is the shape that reaches the base distribution after the last step (factored-out parts
   * excluded). So the list has {@code spec.steps().size() + 1} elements.
   *
   * @throws InvalidFlowSpecException if the spec is invalid, since its shapes are then unknown
   */
  public static ImmutableList<Shape> shapes(FlowSpec spec) {
    return FlowSpecValidator.shapes(spec);
  }
}
