package org.flows4j.tf.summary;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Presets;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.ToyDataSource;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Evaluation;
import org.flows4j.tf.training.RunOptions;
import org.flows4j.tf.training.StepReport;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingListener;
import org.flows4j.tf.training.TrainingOptions;
import org.flows4j.tf.training.TrainingRun;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short training run writes its metrics through TensorFlow's summary ops; reading the event file back as
 * {@code Event} protos ({@link EventFiles}: TFRecord framing, checksums verified) gives exactly the values the trainer
 * reported, at their steps.
 */
class TensorBoardWriterTest {
  @TempDir Path dir;

  @Test
  void metricsOfATrainingRunReadBackFromTheEventFile() throws IOException {
    List<StepReport> steps = new ArrayList<>();
    List<StepReport> skipped = new ArrayList<>();
    List<Evaluation> evaluations = new ArrayList<>();
    ToyDataSource moons = new ToyDataSource(ToyDensity.MOONS, 3);
    float[] heldOut = moons.batch(-1, 256);
    // Batch 7 holds a finite but huge value (1e30, whose square overflows float32): its loss is not finite, the
    // trainer skips it, and the writer counts it under skipped_batches. (NaN data are refused before the step.)
    DataSource withABadBatch = new DataSource() {
      @Override
      public org.flows4j.api.Shape shape() {
        return moons.shape();
      }

      @Override
      public float[] batch(long index, int size) {
        float[] batch = moons.batch(index, size);
        if (index == 7) {
          batch[3] = 1e30f;
        }
        return batch;
      }
    };
    try (Trainer trainer = Trainer.create(Presets.realNvp(Shape.of(2)).couplings(2).width(8).build(),
            TrainingOptions.builder().learningRate(3e-3).warmupSteps(5).build());
        TensorBoardWriter events = TensorBoardWriter.create(dir)) {
      TrainingRun.run(trainer, withABadBatch, new HeldOut(heldOut, 256),
          RunOptions.builder().steps(30).batchSize(64).evaluateEvery(10).build(),
          new TrainingListener() {
            @Override
            public void onStep(StepReport report) {
              steps.add(report);
              events.onStep(report);
            }

            @Override
            public void onSkippedStep(StepReport report) {
              skipped.add(report);
              events.onSkippedStep(report);
            }

            @Override
            public void onEvaluation(Evaluation evaluation) {
              evaluations.add(evaluation);
              events.onEvaluation(evaluation);
            }
          });
    }

    Map<String, SortedMap<Long, Float>> scalars = EventFiles.scalars(eventFile());
    assertThat(scalars.keySet()).containsExactlyInAnyOrder("loss", "bits_per_dim", "learning_rate", "gradient_norm",
        "held_out/nll", "held_out/bits_per_dim", "skipped_batches");
    assertThat(scalars.get("loss")).hasSize(30);
    assertThat(skipped).hasSize(1);
    assertThat(scalars.get("skipped_batches")).containsExactly(Map.entry(skipped.get(0).step(), 1f));
    for (StepReport report : steps) {
      assertThat(scalars.get("loss").get(report.step())).isEqualTo((float) report.loss());
      assertThat(scalars.get("learning_rate").get(report.step())).isEqualTo((float) report.learningRate());
      assertThat(scalars.get("gradient_norm").get(report.step())).isEqualTo((float) report.gradientNorm());
    }
    assertThat(scalars.get("learning_rate").get(1L)).isEqualTo((float) (3e-3 * 1 / 5));
    assertThat(scalars.get("held_out/nll").keySet()).containsExactly(10L, 20L, 30L);
    for (Evaluation evaluation : evaluations) {
      assertThat(scalars.get("held_out/nll").get(evaluation.step()))
          .isEqualTo((float) evaluation.negativeLogLikelihood());
    }
  }

  /**
   * A Residual Flow with a Russian-roulette block (2 exact terms + Geometric(0.5)) and a truncated-series block
   * (3 terms): after every update the event file holds each block's series terms as the trainer reported them, the
   * roulette's counts random (at least 3, not all equal over 20 steps) and the truncated block's always 3; after
   * sampling, each block's fixed-point iteration count (at least 1, within its maxIterations).
   */
  @Test
  void residualBlocksSeriesTermsAndInverseIterationsReadBackFromTheEventFile() throws IOException {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(1, step -> step.actNorm().residualBlock(b -> b.lipschitzMlp(16, 16)
            .logDet(LogDet.russianRoulette(0.5).exactTerms(2))))
        .steps(1, step -> step.residualBlock(b -> b.lipschitzMlp(16, 16).logDet(LogDet.truncatedSeries(3))))
        .build();
    ToyDataSource moons = new ToyDataSource(ToyDensity.MOONS, 3);
    List<StepReport> reports = new ArrayList<>();
    Map<String, Integer> iterations;
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().learningRate(1e-3).build());
        TensorBoardWriter events = TensorBoardWriter.create(dir)) {
      for (int i = 0; i < 20; i++) {
        StepReport report = trainer.step(moons.batch(i, 64), 64);
        reports.add(report);
        events.onStep(report);
      }
      assertThat(trainer.inverseIterations()).isEmpty();
      trainer.sample(64, 1.0, 5);
      iterations = trainer.inverseIterations();
      events.inverseIterations(20, iterations);
    }

    String roulette = "steps[1]";
    String truncated = "steps[2]";
    assertThat(reports.get(0).seriesTerms().keySet()).containsExactly(roulette, truncated);
    Map<String, SortedMap<Long, Float>> scalars = EventFiles.scalars(eventFile());
    Map<Long, Float> rouletteTerms = scalars.get("residual/" + roulette + "/series_terms");
    Map<Long, Float> truncatedTerms = scalars.get("residual/" + truncated + "/series_terms");
    assertThat(rouletteTerms).hasSize(20);
    for (StepReport report : reports) {
      assertThat(rouletteTerms.get(report.step())).isEqualTo((float) report.seriesTerms().get(roulette));
      assertThat(truncatedTerms.get(report.step())).isEqualTo(3f);
    }
    assertThat(rouletteTerms.values()).allSatisfy(terms -> assertThat(terms).isGreaterThanOrEqualTo(3f));
    assertThat(new java.util.HashSet<>(rouletteTerms.values())).hasSizeGreaterThan(1);
    System.out.println("series terms of the roulette block per step: " + rouletteTerms.values()
        + "; inverse iterations when sampling: " + iterations);
    assertThat(iterations.keySet()).containsExactly(roulette, truncated);
    for (String block : List.of(roulette, truncated)) {
      assertThat(iterations.get(block)).isBetween(1, 100);
      assertThat(scalars.get("residual/" + block + "/inverse_iterations"))
          .containsExactly(Map.entry(20L, (float) iterations.get(block)));
    }
  }

  private Path eventFile() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> events = files.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
      assertThat(events).hasSize(1);
      return events.get(0);
    }
  }
}
