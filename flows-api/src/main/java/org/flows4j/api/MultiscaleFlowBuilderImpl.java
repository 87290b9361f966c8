package org.flows4j.api;

import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.base.Bases;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.StepSpec;

final class MultiscaleFlowBuilderImpl implements MultiscaleFlowBuilder {
  private final Shape inputShape;
  /** The steps each level's body added, without the factor-outs: those depend on which level ends up last. */
  private final List<ImmutableList<StepSpec>> levels = new ArrayList<>();
  private BaseSpec base = Bases.standardNormal();
  private Dequantization dequantization = Dequantization.none();
  private ContextSpec context = ContextSpec.none();
  private FactorOutPrior factorOutPrior = FactorOutPrior.BASE;
  private LogitTransform logit = LogitTransform.none();

  MultiscaleFlowBuilderImpl(Shape inputShape) {
    this.inputShape = checkNotNull(inputShape, "inputShape");
  }

  @Override
  public MultiscaleFlowBuilder levels(int n, Consumer<StepsBuilder> body) {
    BuilderChecks.checkCount(n);
    checkNotNull(body, "body");
    return levelsIndexed(n, (index, level) -> body.accept(level));
  }

  @Override
  public MultiscaleFlowBuilder levelsIndexed(int n, IndexedSteps body) {
    BuilderChecks.checkCount(n);
    checkNotNull(body, "body");
    for (int i = 0; i < n; i++) {
      StepsBuilderImpl level = new StepsBuilderImpl(inputShape);
      body.accept(i, level);
      levels.add(level.steps());
    }
    return this;
  }

  @Override
  public MultiscaleFlowBuilder level(Consumer<StepsBuilder> body) {
    return levels(1, body);
  }

  @Override
  public MultiscaleFlowBuilder base(BaseSpec base) {
    this.base = checkNotNull(base, "base");
    return this;
  }

  @Override
  public MultiscaleFlowBuilder dequantize(Dequantization dequantization) {
    this.dequantization = checkNotNull(dequantization, "dequantization");
    return this;
  }

  @Override
  public MultiscaleFlowBuilder context(ContextSpec context) {
    this.context = checkNotNull(context, "context");
    return this;
  }

  @Override
  public MultiscaleFlowBuilder factorOutPrior(FactorOutPrior prior) {
    this.factorOutPrior = checkNotNull(prior, "prior");
    return this;
  }

  @Override
  public MultiscaleFlowBuilder logit(double alpha) {
    this.logit = LogitTransform.of(alpha);
    return this;
  }

  @Override
  public FlowSpec build() {
    ImmutableList.Builder<LevelSpec> built = ImmutableList.builder();
    for (int l = 0; l < levels.size(); l++) {
      ImmutableList<StepSpec> steps = levels.get(l);
      boolean last = l == levels.size() - 1;
      // An empty level stays empty so validation reports it, rather than hiding it behind a lone factor-out.
      if (last || steps.isEmpty()) {
        built.add(new LevelSpec(steps));
      } else {
        built.add(new LevelSpec(ImmutableList.<StepSpec>builder().addAll(steps).add(new FactorOut(factorOutPrior)).build()));
      }
    }
    return FlowSpecValidator.check(new FlowSpec(
        inputShape, Layout.MULTISCALE, built.build(), base, dequantization, logit, context));
  }
}
