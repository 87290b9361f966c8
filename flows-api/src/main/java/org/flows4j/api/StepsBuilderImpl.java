package org.flows4j.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.api.residual.ResidualBlockBuilder;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.Coupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.step.Reverse;
import org.flows4j.api.step.Shuffle;
import org.flows4j.api.step.Squeeze;
import org.flows4j.api.step.StepSpec;
import org.flows4j.api.transform.AffineTransform;
import org.flows4j.api.transform.CouplingTransform;
import org.flows4j.api.transform.RationalQuadraticSpline;

final class StepsBuilderImpl implements StepsBuilder {
  /** RealNVP's tanh-bounded log-scale; a bound of 2 keeps each coupling's scale within [e^-2, e^2]. */
  static final AffineScale DEFAULT_SCALE = AffineScale.expSoftClamp(2.0);

  private final Shape flowInput;
  private final List<StepSpec> steps = new ArrayList<>();

  StepsBuilderImpl(Shape flowInput) {
    this.flowInput = flowInput;
  }

  /** The steps added so far, as an immutable copy. */
  ImmutableList<StepSpec> steps() {
    return ImmutableList.copyOf(steps);
  }

  /** Steps keep the rank of the flow's input, so the flow's input decides the default mask for every step. */
  private Mask defaultMask() {
    return flowInput.isImage() ? Mask.CHANNELS : Mask.HALF;
  }

  @Override
  public StepsBuilder actNorm() {
    return add(new ActNorm());
  }

  @Override
  public StepsBuilder additiveCoupling(Mask mask, ConditionerSpec conditioner) {
    return add(new AdditiveCoupling(mask, conditioner));
  }

  @Override
  public StepsBuilder additiveCoupling(ConditionerSpec conditioner) {
    return additiveCoupling(defaultMask(), conditioner);
  }

  @Override
  public StepsBuilder affineCoupling(Mask mask, ConditionerSpec conditioner) {
    return affineCoupling(mask, conditioner, DEFAULT_SCALE);
  }

  @Override
  public StepsBuilder affineCoupling(Mask mask, ConditionerSpec conditioner, AffineScale scale) {
    return add(new AffineCoupling(mask, conditioner, scale));
  }

  @Override
  public StepsBuilder affineCoupling(ConditionerSpec conditioner) {
    return affineCoupling(defaultMask(), conditioner);
  }

  @Override
  public StepsBuilder coupling(Mask mask, ConditionerSpec conditioner, CouplingTransform transform) {
    return add(new Coupling(mask, conditioner, transform));
  }

  @Override
  public StepsBuilder splineCoupling(Mask mask, ConditionerSpec conditioner, RationalQuadraticSpline spline) {
    return coupling(mask, conditioner, spline);
  }

  @Override
  public StepsBuilder splineCoupling(Mask mask, ConditionerSpec conditioner) {
    return splineCoupling(mask, conditioner, RationalQuadraticSpline.defaults());
  }

  @Override
  public StepsBuilder splineCoupling(ConditionerSpec conditioner, RationalQuadraticSpline spline) {
    return splineCoupling(defaultMask(), conditioner, spline);
  }

  @Override
  public StepsBuilder splineCoupling(ConditionerSpec conditioner) {
    return splineCoupling(defaultMask(), conditioner);
  }

  @Override
  public StepsBuilder invertibleConv1x1(Conv1x1 parameterization) {
    return add(new InvertibleConv1x1(parameterization));
  }

  @Override
  public StepsBuilder reverse() {
    return add(new Reverse());
  }

  @Override
  public StepsBuilder shuffle(long seed) {
    return add(new Shuffle(seed));
  }

  @Override
  public StepsBuilder squeeze() {
    return squeeze(2);
  }

  @Override
  public StepsBuilder squeeze(int factor) {
    return add(new Squeeze(factor));
  }

  @Override
  public StepsBuilder factorOut() {
    return add(new FactorOut());
  }

  @Override
  public StepsBuilder factorOut(FactorOutPrior prior) {
    return add(new FactorOut(checkNotNull(prior, "prior")));
  }

  @Override
  public StepsBuilder steps(int n, Consumer<StepsBuilder> body) {
    BuilderChecks.checkCount(n);
    checkNotNull(body, "body");
    return stepsIndexed(n, (index, step) -> body.accept(step));
  }

  @Override
  public StepsBuilder stepsIndexed(int n, IndexedSteps body) {
    BuilderChecks.checkCount(n);
    checkNotNull(body, "body");
    steps.addAll(repeat(flowInput, n, body));
    return this;
  }

  @Override
  public StepsBuilder residualBlock(Consumer<ResidualBlockBuilder> body) {
    checkNotNull(body, "body");
    ResidualBlockBuilder builder = new ResidualBlockBuilder();
    body.accept(builder);
    return add(builder.build());
  }

  @Override
  public StepsBuilder maf(int... hiddenWidths) {
    return maf(AutoregressiveOrder.natural(), hiddenWidths);
  }

  @Override
  public StepsBuilder maf(AutoregressiveOrder order, int... hiddenWidths) {
    return autoregressive(AutoregressiveDirection.MAF, order, made(hiddenWidths));
  }

  @Override
  public StepsBuilder maf(ConditionerSpec conditioner) {
    return maf(AutoregressiveOrder.natural(), conditioner);
  }

  @Override
  public StepsBuilder maf(AutoregressiveOrder order, ConditionerSpec conditioner) {
    return autoregressive(AutoregressiveDirection.MAF, order, conditioner);
  }

  @Override
  public StepsBuilder iaf(int... hiddenWidths) {
    return iaf(AutoregressiveOrder.natural(), hiddenWidths);
  }

  @Override
  public StepsBuilder iaf(AutoregressiveOrder order, int... hiddenWidths) {
    return autoregressive(AutoregressiveDirection.IAF, order, made(hiddenWidths));
  }

  @Override
  public StepsBuilder iaf(ConditionerSpec conditioner) {
    return iaf(AutoregressiveOrder.natural(), conditioner);
  }

  @Override
  public StepsBuilder iaf(AutoregressiveOrder order, ConditionerSpec conditioner) {
    return autoregressive(AutoregressiveDirection.IAF, order, conditioner);
  }

  /** The MADE of {@code maf(widths...)}: ReLU, output layer at zero (the step starts as the identity). */
  private static MlpConditioner made(int[] hiddenWidths) {
    checkNotNull(hiddenWidths, "hiddenWidths");
    checkArgument(hiddenWidths.length > 0, "a MADE network needs at least one hidden width");
    return Conditioners.mlp(hiddenWidths);
  }

  private StepsBuilder autoregressive(AutoregressiveDirection direction, AutoregressiveOrder order,
      ConditionerSpec conditioner) {
    return autoregressive(direction, order, conditioner, new AffineTransform(DEFAULT_SCALE));
  }

  private StepsBuilder autoregressive(AutoregressiveDirection direction, AutoregressiveOrder order,
      ConditionerSpec conditioner, CouplingTransform transform) {
    checkNotNull(order, "order");
    checkNotNull(conditioner, "conditioner");
    checkNotNull(transform, "transform");
    return add(new MaskedAutoregressive(conditioner, order, direction, transform));
  }

  @Override
  public StepsBuilder maf(AutoregressiveOrder order, ConditionerSpec conditioner, CouplingTransform transform) {
    return autoregressive(AutoregressiveDirection.MAF, order, conditioner, transform);
  }

  @Override
  public StepsBuilder iaf(AutoregressiveOrder order, ConditionerSpec conditioner, CouplingTransform transform) {
    return autoregressive(AutoregressiveDirection.IAF, order, conditioner, transform);
  }

  @Override
  public StepsBuilder emergingConv(int kernelSize) {
    return add(new EmergingConv(kernelSize));
  }

  @Override
  public StepsBuilder periodicConv(int kernelSize) {
    return add(new PeriodicConv(kernelSize));
  }

  @Override
  public StepsBuilder mixtureLogisticsCoupling(Mask mask, ConditionerSpec conditioner, int components) {
    return add(new MixtureLogisticsCoupling(mask, conditioner, components));
  }

  @Override
  public StepsBuilder add(StepSpec step) {
    steps.add(checkNotNull(step, "step"));
    return this;
  }

  /**
   * Runs {@code body} {@code n} times, each on a fresh builder, and returns everything added in order. Fresh
   * builders mean a body that keeps its builder around cannot add to another repetition.
   */
  static ImmutableList<StepSpec> repeat(Shape flowInput, int n, IndexedSteps body) {
    ImmutableList.Builder<StepSpec> all = ImmutableList.builder();
    for (int i = 0; i < n; i++) {
      StepsBuilderImpl fresh = new StepsBuilderImpl(flowInput);
      body.accept(i, fresh);
      all.addAll(fresh.steps());
    }
    return all.build();
  }
}
