package org.flows4j.examples.cli;

import java.util.Optional;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.tf.summary.TensorBoardWriter;
import org.flows4j.tf.training.Evaluation;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingListener;
import org.jspecify.annotations.Nullable;

/**
 * For a flow with residual blocks: at each held-out evaluation, draws {@link #SAMPLES} samples from the trainer
 * (averaged weights, temperature 1, seeded by the step) and writes the iterations each block's fixed-point inverse
 * took ({@code residual/<block>/inverse_iterations}, {@link Trainer#inverseIterations()}) to TensorBoard. The run's
 * pictures are drawn from the exported model, whose {@code sample} signature does not report iterations, so this
 * draw is the trainer's own.
 */
final class InverseIterationsProbe implements TrainingListener {
  /** Samples per probe: enough for the largest count over the batch to mean something, few enough to be cheap. */
  static final int SAMPLES = 16;

  private final Trainer trainer;
  private final TensorBoardWriter events;
  private final float @Nullable [] contexts;

  private InverseIterationsProbe(Trainer trainer, TensorBoardWriter events, float @Nullable [] contexts) {
    this.trainer = trainer;
    this.events = events;
    this.contexts = contexts;
  }

  /**
   * The probe for a run of {@code trainer}, or empty when its flow has no residual block. A conditional flow samples
   * given the first {@link #SAMPLES} contexts of {@code heldOutContexts} (cycled if there are fewer), one row of
   * {@code contextWidth} values per example.
   */
  static Optional<TrainingListener> forRun(Trainer trainer, TensorBoardWriter events,
      float @Nullable [] heldOutContexts, int contextWidth) {
    if (!hasResidualBlocks(trainer.spec())) {
      return Optional.empty();
    }
    float[] contexts = heldOutContexts == null ? null : firstRows(heldOutContexts, contextWidth);
    return Optional.of(new InverseIterationsProbe(trainer, events, contexts));
  }

  static boolean hasResidualBlocks(FlowSpec spec) {
    return spec.steps().stream().anyMatch(step -> step instanceof ResidualBlock);
  }

  private static float[] firstRows(float[] rows, int width) {
    float[] out = new float[SAMPLES * width];
    int available = rows.length / width;
    for (int i = 0; i < SAMPLES; i++) {
      System.arraycopy(rows, (i % available) * width, out, i * width, width);
    }
    return out;
  }

  @Override
  public void onEvaluation(Evaluation evaluation) {
    if (contexts == null) {
      trainer.sample(SAMPLES, 1.0, evaluation.step());
    } else {
      trainer.sample(SAMPLES, contexts, 1.0, evaluation.step());
    }
    events.inverseIterations(evaluation.step(), trainer.inverseIterations());
  }
}
