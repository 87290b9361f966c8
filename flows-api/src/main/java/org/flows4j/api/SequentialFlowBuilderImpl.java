package org.flows4j.api;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import java.util.function.Consumer;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.base.Bases;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.step.StepSpec;

final class SequentialFlowBuilderImpl implements SequentialFlowBuilder {
  private final Shape inputShape;
  private final StepsBuilderImpl steps;
  private BaseSpec base = Bases.standardNormal();
  private Dequantization dequantization = Dequantization.none();
  private ContextSpec context = ContextSpec.none();
  private LogitTransform logit = LogitTransform.none();

  SequentialFlowBuilderImpl(Shape inputShape) {
    this.inputShape = checkNotNull(inputShape, "inputShape");
    this.steps = new StepsBuilderImpl(inputShape);
  }

  @Override
  public SequentialFlowBuilder steps(int n, Consumer<StepsBuilder> body) {
    steps.steps(n, body);
    return this;
  }

  @Override
  public SequentialFlowBuilder stepsIndexed(int n, IndexedSteps body) {
    steps.stepsIndexed(n, body);
    return this;
  }

  @Override
  public SequentialFlowBuilder add(StepSpec step) {
    steps.add(step);
    return this;
  }

  @Override
  public SequentialFlowBuilder base(BaseSpec base) {
    this.base = checkNotNull(base, "base");
    return this;
  }

  @Override
  public SequentialFlowBuilder dequantize(Dequantization dequantization) {
    this.dequantization = checkNotNull(dequantization, "dequantization");
    return this;
  }

  @Override
  public SequentialFlowBuilder context(ContextSpec context) {
    this.context = checkNotNull(context, "context");
    return this;
  }

  @Override
  public SequentialFlowBuilder logit(double alpha) {
    this.logit = LogitTransform.of(alpha);
    return this;
  }

  @Override
  public FlowSpec build() {
    FlowSpec spec = new FlowSpec(
        inputShape, Layout.SEQUENTIAL, ImmutableList.of(new LevelSpec(steps.steps())), base, dequantization,
        logit, context);
    return FlowSpecValidator.check(spec);
  }
}
