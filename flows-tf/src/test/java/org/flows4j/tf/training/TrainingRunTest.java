package org.flows4j.tf.training;

import java.util.SplittableRandom;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDataSource;
import org.flows4j.tf.data.ToyDensity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRunTest {
  private static final FlowSpec SPEC = Presets.realNvp(Shape.of(2)).couplings(4).width(16).build();
  private static final ToyDataSource DATA = new ToyDataSource(ToyDensity.RINGS, 3);
  private static final TrainingRun.HeldOut HELD_OUT =
      new TrainingRun.HeldOut(ToyDensity.RINGS.sampleFlat(500, new SplittableRandom(99)), 500);

  /** Records what the loop reported. */
  static final class Recorder implements TrainingListener {
    final List<Long> steps = new ArrayList<>();
    final List<Long> checkpoints = new ArrayList<>();
    final List<Evaluation> evaluations = new ArrayList<>();

    @Override
    public void onStep(StepReport report) {
      steps.add(report.step());
    }

    @Override
    public void onEvaluation(Evaluation evaluation) {
      evaluations.add(evaluation);
    }

    @Override
    public void onCheckpoint(long step, Path checkpoint) {
      checkpoints.add(step);
    }
  }

  @Test
  void interruptedRunResumesFromItsLastCheckpointAndEndsWhereAnUninterruptedOneDoes(@TempDir Path dir)
      throws Exception {
    TrainingOptions options = TrainingOptions.builder().learningRate(3e-3).seed(8).build();
    List<Evaluation> uninterrupted;
    try (Trainer trainer = Trainer.create(SPEC, options)) {
      uninterrupted = TrainingRun.run(trainer, DATA, HELD_OUT,
          RunOptions.builder().steps(30).batchSize(64).evaluateEvery(10).build(), new TrainingListener() {});
    }
    Path checkpoints = dir.resolve("checkpoints");
    Recorder first = new Recorder();
    try (Trainer trainer = Trainer.create(SPEC, options)) {
      // "Interrupted" after 17 steps: the last checkpoint is at step 15.
      TrainingRun.run(trainer, DATA, HELD_OUT, RunOptions.builder().steps(17).batchSize(64).checkpointEvery(5)
          .checkpointDirectory(checkpoints).evaluateEvery(10).build(), first);
    }
    assertThat(first.checkpoints).containsExactly(5L, 10L, 15L, 17L);
    Files.writeString(checkpoints.resolve("latest"), "checkpoint-000000015"); // as if killed before step 17's
    Recorder second = new Recorder();
    List<Evaluation> resumed;
    try (Trainer trainer = Trainer.resume(checkpoints)) {
      assertThat(trainer.steps()).isEqualTo(15);
      resumed = TrainingRun.run(trainer, DATA, HELD_OUT, RunOptions.builder().steps(30).batchSize(64)
          .checkpointEvery(5).checkpointDirectory(checkpoints).evaluateEvery(10).build(), second);
    }
    assertThat(second.steps).first().isEqualTo(16L);
    assertThat(second.checkpoints).containsExactly(20L, 25L, 30L);
    assertThat(resumed).hasSize(2);
    assertThat(resumed.get(1).step()).isEqualTo(30);
    assertThat(resumed.get(1).negativeLogLikelihood())
        .isCloseTo(uninterrupted.get(2).negativeLogLikelihood(), within(1e-6));
    try (Stream<Path> files = Files.list(checkpoints)) {
      assertThat(files.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).count())
          .as("only the newest checkpoints are kept").isEqualTo(Checkpoints.KEEP);
    }
  }

  @Test
  void dataOfTheWrongShapeIsRefused() {
    try (Trainer trainer = Trainer.create(Presets.realNvp(Shape.of(4)).couplings(2).width(8).build(), TrainingOptions.defaults())) {
      assertThatThrownBy(() -> TrainingRun.run(trainer, DATA, null,
          RunOptions.builder().steps(1).batchSize(8).build(), new TrainingListener() {}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("the data have shape [2] but the flow expects [4]; pick a model built for this data");
    }
  }
}
