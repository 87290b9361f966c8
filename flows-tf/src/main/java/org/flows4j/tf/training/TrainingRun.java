package org.flows4j.tf.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.data.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The training loop: feeds batches (batch {@code i} of the data source for the trainer's i-th batch, so a resumed
 * run sees the same data), evaluates on held-out data, writes checkpoints, and tells the listener. Returns the
 * evaluations made.
 *
 * <pre>{@code
 * List<Evaluation> evaluations = TrainingRun.run(trainer, DataSources.ofArray(train, shape, seed),
 *     new TrainingRun.HeldOut(test, testCount),
 *     RunOptions.builder().steps(1000).batchSize(64).evaluateEvery(100).build(),
 *     new TrainingListener() {});
 * }</pre>
 */
public final class TrainingRun {
  private TrainingRun() {}

  /**
   * Held-out data: {@code count} examples of the flow's input shape, row-major ({@code float[count·D]}; images
   * {@code [count, height, width, channels]}), in the same units as the training data. Evaluated in full at every
   * evaluation, in chunks of {@link TrainingOptions#evaluationBatch()}.
   */
  public record HeldOut(float[] values, int count) {}

  public static List<Evaluation> run(Trainer trainer, DataSource data, @Nullable HeldOut heldOut,
      RunOptions options, TrainingListener listener) {
    if (!data.shape().equals(trainer.spec().inputShape())) {
      throw new IllegalArgumentException("the data have shape " + data.shape() + " but the flow expects "
          + trainer.spec().inputShape() + "; pick a model built for this data");
    }
    // Before the first step, not at the first checkpoint: refusing a folder should not cost a stretch of training.
    options.checkpointDirectory().ifPresent(trainer::checkCheckpointDirectory);
    List<Evaluation> evaluations = new ArrayList<>();
    while (trainer.steps() < options.steps()) {
      StepReport report = trainer.step(data.batch(trainer.batches(), options.batchSize()), options.batchSize());
      if (report.skipped()) {
        listener.onSkippedStep(report);
        continue;
      }
      if (!report.applied()) {
        continue;
      }
      listener.onStep(report);
      long step = trainer.steps();
      boolean last = step == options.steps();
      if (heldOut != null && (last || (options.evaluateEvery() > 0 && step % options.evaluateEvery() == 0))) {
        Evaluation evaluation = trainer.evaluate(heldOut.values(), heldOut.count());
        evaluations.add(evaluation);
        listener.onEvaluation(evaluation);
      }
      Path directory = options.checkpointDirectory().orElse(null);
      if (directory != null
          && (last || (options.checkpointEvery() > 0 && step % options.checkpointEvery() == 0))) {
        listener.onCheckpoint(step, trainer.saveCheckpoint(directory));
      }
    }
    return evaluations;
  }
}
