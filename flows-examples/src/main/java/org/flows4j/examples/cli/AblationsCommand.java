package org.flows4j.examples.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.LevelSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.ConvWeights;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.VariationalDequantization;
import org.flows4j.api.residual.GradientMode;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.TruncatedSeries;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.StepSpec;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.training.Evaluation;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flows ablations}: the papers' ablations at small scale on Fashion-MNIST. Each variant of a pair is the same
 * preset with one thing changed, trained from the same seed for the same number of steps on the same batches, then
 * evaluated on the same held-out images; the table gives held-out bits/dim and seconds per step next to the
 * direction each paper reports. A benchmark, not a test: at small budgets the differences are within noise.
 */
@Command(name = "ablations", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Train each ablation pair of Residual Flows, Flow++ and Emerging Convolutions at one budget on "
        + "Fashion-MNIST and print held-out bits/dim per variant, next to the direction each paper reports.")
public final class AblationsCommand implements Callable<Integer> {
  @Option(names = "--steps", paramLabel = "N", defaultValue = "500",
      description = "training steps per variant (default: ${DEFAULT-VALUE})")
  int steps = 500;

  @Option(names = "--batch", paramLabel = "N", defaultValue = "32",
      description = "examples per batch (default: ${DEFAULT-VALUE})")
  int batch = 32;

  @Option(names = "--width", paramLabel = "N", defaultValue = "32",
      description = "channels of every network (default: ${DEFAULT-VALUE})")
  int width = 32;

  @Option(names = "--depth", paramLabel = "N", defaultValue = "2",
      description = "blocks or steps per level (default: ${DEFAULT-VALUE})")
  int depth = 2;

  @Option(names = "--held-out", paramLabel = "N", defaultValue = "1000",
      description = "test images evaluated per variant (default: ${DEFAULT-VALUE})")
  int heldOutCount = 1000;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "seed of the initialisation, the batches and the noise; run two seeds to see the noise between "
          + "runs (default: ${DEFAULT-VALUE})")
  long seed = 1;

  @Option(names = "--only", paramLabel = "PAPER", description = "resflow, flowpp or emerging: one paper's pairs")
  @Nullable String only;

  @Option(names = "--train-limit", paramLabel = "N", description = "as for `flows train`")
  @Nullable Integer trainLimit;

  @Mixin DataDirectoryOption dataDirectory = new DataDirectoryOption();

  @Spec CommandSpec spec;

  /** One ablation: variants of one preset, and what the paper reports. */
  private record Pair(String paper, String question, String papersDirection, List<Variant> variants) {}

  private record Variant(String name, FlowSpec spec) {}

  @Override
  public Integer call() {
    TrainCommand.atLeast("--steps", steps, 1);
    TrainCommand.atLeast("--batch", batch, 1);
    TrainCommand.atLeast("--width", width, 1);
    TrainCommand.atLeast("--depth", depth, 1);
    TrainCommand.atLeast("--held-out", heldOutCount, 1);
    if (only != null && !List.of("resflow", "flowpp", "emerging").contains(only)) {
      throw new UsageException("unknown --only '" + only + "'; choose one of: resflow, flowpp, emerging");
    }
    DataChoice data = new FashionMnistChoice();
    Shape shape = data.shape();
    DataSource source = data.trainingSource(seed, trainLimit, dataDirectory.directory());
    HeldOut heldOut = data.heldOut(Math.min(heldOutCount, data.maxHeldOut()), dataDirectory.directory());
    PrintWriter out = spec.commandLine().getOut();
    out.printf(Locale.ROOT, "ablations on %s: %d steps per variant, batch %d, width %d, depth %d, %d held-out "
        + "images, seed %d%n", data.cliName(), steps, batch, width, depth, heldOut.count(), seed);
    out.printf(Locale.ROOT, "| paper | ablation | variant | bits/dim | s/step | paper's direction |%n");
    out.printf(Locale.ROOT, "|---|---|---|---|---|---|%n");
    out.flush();
    // Several pairs share a baseline (and the two truncated-series variants of the gradient pair are the same
    // model as far as the estimate goes): each distinct spec is trained once, which also makes the shared rows
    // identical, as they must be.
    Map<FlowSpec, double[]> results = new HashMap<>();
    for (Pair pair : pairs(shape)) {
      if (only != null && !pair.paper().equals(only)) {
        continue;
      }
      for (Variant variant : pair.variants()) {
        double[] result = results.get(variant.spec());
        if (result == null) {
          result = trainAndEvaluate(variant.spec(), source, heldOut);
          results.put(variant.spec(), result);
        }
        out.printf(Locale.ROOT, "| %s | %s | %s | %.4f | %.3f | %s |%n", pair.paper(), pair.question(),
            variant.name(), result[0], result[1], pair.papersDirection());
        out.flush();
      }
    }
    return ExitCodes.OK;
  }

  /**
   * Held-out bits/dim and seconds per training step; the first step (graph optimisation, ActNorm's initialisation)
   * is not timed.
   */
  private double[] trainAndEvaluate(FlowSpec flow, DataSource source, HeldOut heldOut) {
    TrainingOptions options = TrainingOptions.builder().learningRate(1e-3).seed(seed).build();
    try (Trainer trainer = Trainer.create(flow, options)) {
      trainer.step(source.batch(trainer.batches(), batch), batch);
      long start = System.nanoTime();
      long timed = 0;
      while (trainer.steps() < steps) {
        trainer.step(source.batch(trainer.batches(), batch), batch);
        timed++;
      }
      double secondsPerStep = timed == 0 ? Double.NaN : (System.nanoTime() - start) / 1e9 / timed;
      Evaluation evaluation = trainer.evaluate(heldOut.values(), heldOut.count());
      return new double[] {evaluation.bitsPerDim(), secondsPerStep};
    }
  }

  private List<Pair> pairs(Shape shape) {
    FlowSpec resflow = Presets.residualFlow(shape).blocks(depth).width(width).build();
    FlowSpec flowpp = Presets.flowPlusPlus(shape).width(width).blocks(1).heads(2).components(4).build();
    List<Pair> pairs = new ArrayList<>();
    pairs.add(new Pair("resflow", "activation", "LipSwish lower than ELU (paper Table 5)", List.of(
        new Variant("LipSwish", resflow),
        new Variant("ELU", mapSteps(resflow, step -> step instanceof ResidualBlock b
            ? new ResidualBlock(b.branch(), Activation.ELU, b.lipschitz(), b.logDet(), b.evaluationLogDet(),
                b.inverse())
            : step)))));
    pairs.add(new Pair("resflow", "log-det estimator", "unbiased roulette lower than i-ResNet's truncated series",
        List.of(
            new Variant("Russian roulette, Neumann", resflow),
            new Variant("truncated 5 terms, backprop", withLogDet(resflow, LogDet.truncatedSeries(5))))));
    pairs.add(new Pair("resflow", "gradient (memory: `flows benchmark-residual`)",
        "Neumann: same estimate, memory constant in the terms", List.of(
            new Variant("truncated 5 terms, Neumann", withLogDet(resflow,
                new TruncatedSeries(5, GradientMode.NEUMANN))),
            new Variant("truncated 5 terms, backprop", withLogDet(resflow, LogDet.truncatedSeries(5))))));
    VariationalDequantization variational = (VariationalDequantization) flowpp.dequantization();
    pairs.add(new Pair("flowpp", "dequantization", "variational lower than uniform (paper Table 2)", List.of(
        new Variant("variational", flowpp),
        new Variant("uniform", new FlowSpec(flowpp.inputShape(), flowpp.layout(), flowpp.levels(), flowpp.base(),
            Dequantization.uniform(variational.levels()), flowpp.logit())))));
    pairs.add(new Pair("flowpp", "coupling", "mixture of logistics lower than affine (paper Table 2)", List.of(
        new Variant("mixture of logistics", flowpp),
        new Variant("affine", mapSteps(flowpp, step -> step instanceof MixtureLogisticsCoupling c
            ? new AffineCoupling(c.mask(), c.conditioner(), AffineScale.sigmoid())
            : step)))));
    pairs.add(new Pair("flowpp", "conditioner weights (not in the paper)",
        "the official code uses plain weights with data-dependent init", List.of(
            new Variant("plain (official)", flowpp),
            new Variant("weight norm", weightNormalized(flowpp)))));
    pairs.add(new Pair("emerging", "channel mixing", "emerging and periodic lower than 1x1 (paper Table 2)",
        List.of(
            new Variant("1x1 (Glow)", Presets.glow(shape).levels(2).stepsPerLevel(depth).width(width).build()),
            new Variant("emerging 3x3", Presets.emerging(shape).levels(2).stepsPerLevel(depth).width(width).build()),
            new Variant("periodic 3x3", Presets.periodic(shape).levels(2).stepsPerLevel(depth).width(width).build()))));
    return pairs;
  }

  /** The Flow++ spec with weight-normalised conditioners, in the flow and in its dequantization flow. */
  private static FlowSpec weightNormalized(FlowSpec flowpp) {
    UnaryOperator<StepSpec> change = step -> step instanceof MixtureLogisticsCoupling c
        && c.conditioner() instanceof AttentionConvNetConditioner a
        ? new MixtureLogisticsCoupling(c.mask(), a.weights(ConvWeights.WEIGHT_NORMALIZED), c.components(),
            c.logScaleBound(), c.inverseTolerance(), c.maxIterations())
        : step;
    FlowSpec flow = mapSteps(flowpp, change);
    VariationalDequantization variational = (VariationalDequantization) flowpp.dequantization();
    VariationalDequantization dequantization = new VariationalDequantization(variational.levels(),
        mapSteps(variational.flow(), change), variational.context(), variational.contextFeatures());
    return new FlowSpec(flow.inputShape(), flow.layout(), flow.levels(), flow.base(), dequantization, flow.logit());
  }

  private static FlowSpec withLogDet(FlowSpec spec, LogDetEstimator estimator) {
    return mapSteps(spec, step -> step instanceof ResidualBlock b
        ? new ResidualBlock(b.branch(), b.activation(), b.lipschitz(), estimator, b.evaluationLogDet(), b.inverse())
        : step);
  }

  /** The spec with every step replaced by {@code change(step)}, levels and everything else kept. */
  private static FlowSpec mapSteps(FlowSpec spec, UnaryOperator<StepSpec> change) {
    List<LevelSpec> levels = new ArrayList<>();
    for (LevelSpec level : spec.levels()) {
      levels.add(new LevelSpec(level.steps().stream().map(change).toList()));
    }
    return new FlowSpec(spec.inputShape(), spec.layout(), levels, spec.base(), spec.dequantization(), spec.logit());
  }
}
