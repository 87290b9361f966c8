package org.flows4j.tf.layers;

import org.flows4j.api.Shape;
import org.flows4j.api.step.StepSpec;
import org.tensorflow.types.family.TFloating;

/** What every layer holds: its spec, its input shape and its float type. Shape-preserving unless overridden. */
public abstract class AbstractLayer<T extends TFloating, S extends StepSpec> implements Layer<T> {
  private final S spec;
  private final Shape inputShape;
  protected final Class<T> type;

  protected AbstractLayer(S spec, Shape inputShape, Class<T> type) {
    this.spec = spec;
    this.inputShape = inputShape;
    this.type = type;
  }

  @Override
  public S spec() {
    return spec;
  }

  @Override
  public Shape inputShape() {
    return inputShape;
  }

  @Override
  public Shape outputShape() {
    return inputShape;
  }
}
