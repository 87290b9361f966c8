package org.flows4j.examples.bench;

import java.util.SplittableRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDataSource;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;

/**
 * Held-out NLL of several flows on 2-D toy densities after the same training budget: same batches (a
 * {@link ToyDataSource} per density and seed), same optimizer settings, same held-out points. Issue 10 asks that a
 * spline-coupling flow beat RealNVP with the same number of couplings here.
 *
 * <p>Run {@code main} for the figures (RealNVP and the neural spline flow); it prints one row per (model, density).
 */
public final class ToyNllBenchmark {
  private ToyNllBenchmark() {}

  /**
   * One training budget.
   *
   * @param steps optimizer steps
   * @param batch examples per step
   * @param learningRate Adam's rate (no warm-up, constant)
   * @param heldOut held-out points, drawn with a seed no training batch uses
   * @param seed seeds the data, the weights and the held-out set
   */
  record Budget(int steps, int batch, double learningRate, int heldOut, long seed) {
    public Budget {
      if (steps < 1 || batch < 1 || heldOut < 1) {
        throw new IllegalArgumentException("steps, batch and heldOut must be at least 1, but were " + steps + ", "
            + batch + " and " + heldOut);
      }
      if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
        throw new IllegalArgumentException("learningRate must be positive and finite, but was " + learningRate);
      }
    }
  }

  /**
   * One row of the table.
   *
   * @param initialNll held-out NLL (nats) of the freshly initialised flow
   * @param heldOutNll held-out NLL (nats) after the budget
   * @param seconds wall time of the training steps (figures only; nothing asserts on it)
   */
  public record Result(String model, String density, int steps, double initialNll, double heldOutNll,
      double seconds) {
    /** One aligned line for the printed table. */
    public String row() {
      return String.format(Locale.ROOT, "%-24s %-14s %6d steps  held-out NLL %.4f nats (initial %.4f)  %.1f s",
          model, density, steps, heldOutNll, initialNll, seconds);
    }
  }

  /** Trains {@code spec} on {@code density} for the budget and evaluates it on the held-out points. */
  public static Result run(String model, FlowSpec spec, ToyDensity density, Budget budget) {
    float[] heldOut = density.sampleFlat(budget.heldOut(), new SplittableRandom(-1 - budget.seed()));
    ToyDataSource data = new ToyDataSource(density, budget.seed());
    TrainingOptions options = TrainingOptions.builder().learningRate(budget.learningRate()).seed(budget.seed())
        .build();
    try (Trainer trainer = Trainer.create(spec, options)) {
      double initial = trainer.evaluate(heldOut, budget.heldOut()).negativeLogLikelihood();
      long start = System.nanoTime();
      for (int step = 0; step < budget.steps(); step++) {
        trainer.step(data.batch(step, budget.batch()), budget.batch());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double nll = trainer.evaluate(heldOut, budget.heldOut()).negativeLogLikelihood();
      return new Result(model, density.cliName(), budget.steps(), initial, nll, seconds);
    }
  }

  /** Every model on every density, in the maps' and list's order. */
  public static List<Result> compare(Map<String, Function<Shape, FlowSpec>> models, List<ToyDensity> densities,
      Budget budget) {
    List<Result> results = new ArrayList<>();
    for (ToyDensity density : densities) {
      for (Map.Entry<String, Function<Shape, FlowSpec>> model : models.entrySet()) {
        results.add(run(model.getKey(), model.getValue().apply(Shape.of(2)), density, budget));
      }
    }
    return results;
  }

  /**
   * RealNVP and the coupling neural spline flow, each with 8 couplings of width 64 (the CLI's toy default), on
   * checkerboard and moons: by default 3000 steps of 256; {@code args}: {@code [steps [batch [density]]]} for a
   * smaller budget, or one density alone (its CLI name, e.g. {@code moons}) so that each run stays short.
   */
  public static void main(String[] args) {
    Map<String, Function<Shape, FlowSpec>> models = new LinkedHashMap<>();
    models.put("realnvp(8 couplings)", shape -> Presets.realNvp(shape).couplings(8).width(64).build());
    models.put("nsf(8 couplings)", shape -> Presets.neuralSplineFlow(shape).steps(8).width(64).build());
    int steps = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
    int batch = args.length > 1 ? Integer.parseInt(args[1]) : 256;
    List<ToyDensity> densities = args.length > 2
        ? List.of(ToyDensity.fromCliName(args[2]))
        : List.of(ToyDensity.CHECKERBOARD, ToyDensity.MOONS);
    Budget budget = new Budget(steps, batch, 3e-3, 5000, 0);
    for (Result r : compare(models, densities, budget)) {
      System.out.println(r.row());
    }
  }
}
