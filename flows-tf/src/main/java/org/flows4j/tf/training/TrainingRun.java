package org.flows4j.tf.training;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.data.ConditionalDataSource;
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
  public record HeldOut(float[] values, int count) {
    public HeldOut {
      Objects.requireNonNull(values, "values");
    }
  }

  public static List<Evaluation> run(Trainer trainer, DataSource data, @Nullable HeldOut heldOut,
      RunOptions options, TrainingListener listener) {
    requireNonNull(trainer, data, options, listener);
    checkShape(data.shape(), trainer);
    return loop(trainer, index -> trainer.step(data.batch(index, options.batchSize()), options.batchSize()),
        heldOut == null ? null : () -> trainer.evaluate(heldOut.values(), heldOut.count()), options, listener);
  }

  /**
   * The same loop for a conditional flow: batch {@code i} of (x, c) pairs for the trainer's i-th batch, and
   * held-out pairs (evaluated in full at every evaluation, as {@code -log p(x | c)}).
   */
  public static List<Evaluation> run(Trainer trainer, ConditionalDataSource data, @Nullable ConditionalBatch heldOut,
      RunOptions options, TrainingListener listener) {
    requireNonNull(trainer, data, options, listener);
    checkShape(data.shape(), trainer);
    int width = trainer.spec().context().inputWidth();
    if (data.contextWidth() != width) {
      throw new IllegalArgumentException("the data have contexts of " + data.contextWidth()
          + " values but the flow expects " + width + " (" + trainer.spec().context() + ")");
    }
    return loop(trainer, index -> trainer.step(data.batch(index, options.batchSize())),
        heldOut == null ? null : () -> trainer.evaluate(heldOut), options, listener);
  }

  /** The arguments that must be given (the held-out data may be null), checked before anything runs. */
  private static void requireNonNull(Trainer trainer, Object data, RunOptions options, TrainingListener listener) {
    Objects.requireNonNull(trainer, "trainer");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
  }

  private static void checkShape(org.flows4j.api.Shape shape, Trainer trainer) {
    if (!shape.equals(trainer.spec().inputShape())) {
      throw new IllegalArgumentException("the data have shape " + shape + " but the flow expects "
          + trainer.spec().inputShape() + "; pick a model built for this data");
    }
  }

  private static List<Evaluation> loop(Trainer trainer, java.util.function.LongFunction<StepReport> nextStep,
      java.util.function.@Nullable Supplier<Evaluation> evaluate, RunOptions options, TrainingListener listener) {
    // Before the first step, not at the first checkpoint: refusing a folder should not cost a stretch of training.
    options.checkpointDirectory().ifPresent(trainer::checkCheckpointDirectory);
    List<Evaluation> evaluations = new ArrayList<>();
    while (trainer.steps() < options.steps()) {
      StepReport report = nextStep.apply(trainer.batches());
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
      if (evaluate != null && (last || (options.evaluateEvery() > 0 && step % options.evaluateEvery() == 0))) {
        Evaluation evaluation = evaluate.get();
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
