package org.flows4j.tf.training;

import java.nio.file.Path;

/** Hooks for metrics and logging; every method has an empty default. Called on the training thread. */
public interface TrainingListener {
  /** After every optimizer update. */
  default void onStep(StepReport report) {}

  /** After a batch skipped because its loss or gradient was not finite. */
  default void onSkippedStep(StepReport report) {}

  /** After each held-out evaluation. */
  default void onEvaluation(Evaluation evaluation) {}

  /** After a checkpoint was written. */
  default void onCheckpoint(long step, Path checkpoint) {}
}
