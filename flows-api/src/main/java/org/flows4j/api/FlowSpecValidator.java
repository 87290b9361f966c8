package org.flows4j.api;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.data.Logit;
import org.flows4j.api.data.NoDequantization;
import org.flows4j.api.data.VariationalDequantization;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.StepSpec;

/**
 * The one place that walks a spec and infers shapes: {@code build()}, {@link FlowSpecJson#fromJson} and
 * {@link Flows#shapes} all go through {@link #walk}, so the compiler sees exactly the shapes validation checked.
 */
final class FlowSpecValidator {
  private static final String DEQUANTIZATION = "dequantization";
  /** The most values per example a flow may take: {@code 2^24}, e.g. 4096×4096×1 or 2048×2048×4. */
  static final int MAX_INPUT_SIZE = 1 << 24;
  /** The most steps a flow may have (a dequantization flow counts on its own). */
  static final int MAX_STEPS = 4096;

  private FlowSpecValidator() {}

  /**
   * The outcome of walking a spec.
   *
   * @param problems every broken rule; empty when the spec is valid
   * @param shapes the input shape of each step (flattened order) followed by the final shape; only complete when
   *     {@code problems} is empty
   */
  record Walk(ImmutableList<Problem> problems, ImmutableList<Shape> shapes) {}

  static Walk walk(FlowSpec spec) {
    ImmutableList.Builder<Problem> problems = ImmutableList.builder();
    boolean stepsCanBeChecked = checkFlowRules(spec, problems);
    if (!stepsCanBeChecked) {
      return new Walk(problems.build(), ImmutableList.of());
    }
    ImmutableList<Shape> shapes = walkSteps(spec, problems);
    return new Walk(problems.build(), shapes);
  }

  /** Rules about the whole flow; false when checking the steps would only repeat the same complaint. */
  private static boolean checkFlowRules(FlowSpec spec, ImmutableList.Builder<Problem> problems) {
    if (spec.inputShape().size() > MAX_INPUT_SIZE) {
      // TensorFlow aborts the whole JVM (no exception) on some ops this wide; refuse while it is still a message.
      problems.add(Problem.ofFlow("the input " + spec.inputShape() + " has " + spec.inputShape().size()
          + " values per example, more than the " + MAX_INPUT_SIZE + " (2^24, e.g. 4096×4096×1) flows4j compiles. "
          + "Downscale or crop the data."));
      return false;
    }
    int steps = spec.steps().size();
    if (steps > MAX_STEPS) {
      // Each step is a few dozen graph ops: 100000 of them took 24 GB to build before anything ran.
      problems.add(Problem.ofFlow("the flow has " + steps + " steps, more than the " + MAX_STEPS + " flows4j "
          + "compiles (the largest published flows have a few hundred). Use fewer steps or levels."));
      return false;
    }
    boolean multiscale = spec.layout() == Layout.MULTISCALE;
    List<LevelSpec> levels = spec.levels();
    if (spec.steps().isEmpty() && (!multiscale || levels.isEmpty())) {
      problems.add(Problem.ofFlow(multiscale
          ? "the flow has no steps. Add levels(n, level -> ...)."
          : "the flow has no steps. Add steps(n, step -> ...)."));
    }
    if (!multiscale && levels.size() > 1) {
      problems.add(Problem.ofFlow("a sequential flow has exactly one level, but this one has " + levels.size()
          + ". Use Layout.MULTISCALE to group steps into levels."));
    }
    if (spec.logit() instanceof Logit && spec.dequantization() instanceof NoDequantization) {
      problems.add(Problem.ofFlow("the logit transform needs data in [0, 1], which only dequantization provides, "
          + "but the flow has Dequantization.none(). Add dequantize(Dequantization.uniform(256)) or remove logit."));
    }
    if (spec.dequantization() instanceof VariationalDequantization variational) {
      checkDequantizationFlow(spec.inputShape(), variational, problems);
    }
    ContextRules.check(spec, problems);
    if (!multiscale) {
      return true;
    }
    for (int l = 0; l < levels.size(); l++) {
      if (levels.get(l).steps().isEmpty()) {
        problems.add(Problem.ofFlow("levels[" + l + "] has no steps. Give every level at least one step, or use "
            + "fewer levels."));
      }
    }
    if (!spec.inputShape().isImage()) {
      // Every step would then complain about the same thing; the one flow-level message says it once.
      problems.add(Problem.ofFlow("a multiscale flow needs an image input [height, width, channels], but the input "
          + "is " + spec.inputShape() + ". Use Flows.sequential(shape) for vectors."));
      return false;
    }
    return true;
  }

  /**
   * Rules for Flow++'s dequantization flow, located under {@code dequantization}: it maps noise of the data's shape
   * to noise of the same shape, conditioned on the pixels, so it must be a sequential, shape-preserving flow of
   * steps that can take the condition.
   */
  private static void checkDequantizationFlow(
      Shape data, VariationalDequantization variational, ImmutableList.Builder<Problem> problems) {
    FlowSpec flow = variational.flow();
    String kind = "variational";
    if (!flow.inputShape().equals(data)) {
      problems.add(new Problem(DEQUANTIZATION, kind, "the dequantization flow must have the data's shape " + data
          + ", but it has " + flow.inputShape() + ". Declare it with Flows.sequential(" + data + ")."));
      return;
    }
    if (flow.layout() != Layout.SEQUENTIAL) {
      problems.add(new Problem(DEQUANTIZATION, kind, "the dequantization flow must be sequential (its output is "
          + "the noise, with the data's shape), but it is multiscale. Declare it with Flows.sequential(shape)."));
      return;
    }
    if (!(flow.dequantization() instanceof NoDequantization) || flow.logit() instanceof Logit) {
      problems.add(new Problem(DEQUANTIZATION, kind, "the dequantization flow transforms noise, not pixels, so it "
          + "cannot dequantize or apply the logit itself. Remove dequantize(...) and logit(...) from it."));
    }
    variational.context().problems(data).forEach(
        message -> problems.add(new Problem(DEQUANTIZATION + ".context", kind, message)));
    List<StepSpec> steps = flow.steps();
    for (int i = 0; i < steps.size(); i++) {
      StepSpec step = steps.get(i);
      String location = DEQUANTIZATION + ".flow.steps[" + i + "]";
      if (!step.preservesShape()) {
        problems.add(new Problem(location, step.kind(), "a dequantization flow keeps the data's shape (its output "
            + "is the noise u), so it cannot use " + step.kind() + "."));
        return;
      }
      // A residual branch g(x) has no input for the condition either (issue 10: it used to be compiled anyway and
      // silently drop it), so both are refused here rather than fitting a q(u) that ignores the pixels.
      if (step instanceof MaskedAutoregressive || step instanceof ResidualBlock) {
        problems.add(new Problem(location, step.kind(), step.kind() + " has no input for the condition (the "
            + "pixels), so q(u | x) would ignore x. Use couplings, whose conditioners receive it."));
      }
    }
    walk(flow).problems().forEach(p -> problems.add(
        new Problem(DEQUANTIZATION + ".flow" + (p.location().equals("flow") ? "" : "." + p.location()),
            p.stepKind(), p.message())));
  }

  /** Checks each step against the shape it receives; returns the shapes seen (complete only if all is well). */
  private static ImmutableList<Shape> walkSteps(FlowSpec spec, ImmutableList.Builder<Problem> problems) {
    ImmutableList.Builder<Shape> shapes = ImmutableList.builder();
    boolean multiscale = spec.layout() == Layout.MULTISCALE;
    List<LevelSpec> levels = spec.levels();
    Shape shape = spec.inputShape();
    int flatIndex = 0;
    for (int l = 0; l < levels.size(); l++) {
      List<StepSpec> steps = levels.get(l).steps();
      for (int i = 0; i < steps.size(); i++, flatIndex++) {
        StepSpec step = steps.get(i);
        shapes.add(shape);
        List<String> broken = step.problems(shape);
        if (broken.isEmpty()) {
          shape = step.outputShape(shape);
          continue;
        }
        String location = multiscale ? "levels[" + l + "].steps[" + i + "]" : "steps[" + flatIndex + "]";
        broken.forEach(message -> problems.add(new Problem(location, step.kind(), message)));
        if (!step.preservesShape()) {
          // Later steps would be checked against a shape nobody can know: their complaints would be noise.
          return shapes.build();
        }
      }
    }
    return shapes.add(shape).build();
  }

  /** Throws {@link InvalidFlowSpecException} listing every problem, or returns the spec. */
  static FlowSpec check(FlowSpec spec) {
    checkWalk(spec);
    return spec;
  }

  static ImmutableList<Shape> shapes(FlowSpec spec) {
    return checkWalk(spec).shapes();
  }

  private static Walk checkWalk(FlowSpec spec) {
    Walk walk = walk(spec);
    if (!walk.problems().isEmpty()) {
      throw new InvalidFlowSpecException(walk.problems());
    }
    return walk;
  }
}
