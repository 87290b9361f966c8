package org.flows4j.tf.residual;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.api.residual.TruncatedSeries;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;

/**
 * Not a test: the cost of one log-det series term of {@code flows benchmark-residual}'s conv block (width 512 on
 * 28×28×1, batch 16, truncated series with the Neumann gradient), measured the way that cancels most of this
 * machine's run-to-run drift: trainers at n = 2 and n = 20 terms in one JVM, their steps interleaved, and per round
 * {@code (t₂₀ − t₂)/18}; it prints the median and quartiles over the rounds. Run with the test class path:
 * {@code java -cp … org.flows4j.tf.residual.SeriesTermCostProbe 15} (rounds), {@code … 15 bf16} for the bfloat16
 * series. {@code docs/reference/residual_flows_conv_terms.py} measures the official code the same way.
 */
public final class SeriesTermCostProbe {
  private static final int BATCH = 16;

  private SeriesTermCostProbe() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    SeriesPrecision precision = args.length > 1 && args[1].equals("bf16") ? SeriesPrecision.BFLOAT16
        : SeriesPrecision.FULL;
    float[] batch = new float[BATCH * 28 * 28];
    Random random = new Random(1);
    for (int i = 0; i < batch.length; i++) {
      batch[i] = random.nextInt(256);
    }
    try (Trainer two = trainer(2, precision); Trainer twenty = trainer(20, precision)) {
      for (int i = 0; i < 3; i++) {
        two.step(batch, BATCH);
        twenty.step(batch, BATCH);
      }
      List<Double> perTerm = new ArrayList<>();
      List<Double> shortSteps = new ArrayList<>();
      List<Double> longSteps = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        long start = System.nanoTime();
        two.step(batch, BATCH);
        long middle = System.nanoTime();
        twenty.step(batch, BATCH);
        long end = System.nanoTime();
        shortSteps.add((middle - start) / 1e9);
        longSteps.add((end - middle) / 1e9);
        perTerm.add(((end - middle) - (middle - start)) / 1e9 / 18);
      }
      System.out.printf(Locale.ROOT, "%s series, %d rounds: per term median %.4f s (quartiles %.4f–%.4f); "
          + "step at n = 2 median %.3f s, at n = 20 median %.3f s%n", precision, rounds, quantile(perTerm, 0.5),
          quantile(perTerm, 0.25), quantile(perTerm, 0.75), quantile(shortSteps, 0.5), quantile(longSteps, 0.5));
    }
  }

  private static Trainer trainer(int terms, SeriesPrecision precision) {
    TruncatedSeries estimator = LogDet.truncatedSeries(terms).neumannGradient();
    FlowSpec spec = Flows.sequential(Shape.of(28, 28, 1))
        .steps(1, s -> s.residualBlock(b -> b.branch(new LipschitzConvNet(512, true)).logDet(estimator)
            .evaluationLogDet(estimator).seriesPrecision(precision)))
        .build();
    return Trainer.create(spec, TrainingOptions.builder().seed(1).build());
  }

  private static double quantile(List<Double> values, double p) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get((int) Math.round(p * (sorted.size() - 1)));
  }
}
