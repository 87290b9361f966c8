package org.flows4j.examples.cli;

import java.nio.file.Path;
import java.util.List;
import org.flows4j.tf.training.Evaluation;
import org.flows4j.tf.training.StepReport;
import org.flows4j.tf.training.TrainingListener;

/** Several listeners as one, called in order. */
final class TrainingListeners implements TrainingListener {
  private final List<TrainingListener> listeners;

  private TrainingListeners(List<TrainingListener> listeners) {
    this.listeners = listeners;
  }

  static TrainingListener of(TrainingListener... listeners) {
    return new TrainingListeners(List.of(listeners));
  }

  @Override
  public void onStep(StepReport report) {
    listeners.forEach(l -> l.onStep(report));
  }

  @Override
  public void onSkippedStep(StepReport report) {
    listeners.forEach(l -> l.onSkippedStep(report));
  }

  @Override
  public void onEvaluation(Evaluation evaluation) {
    listeners.forEach(l -> l.onEvaluation(evaluation));
  }

  @Override
  public void onCheckpoint(long step, Path checkpoint) {
    listeners.forEach(l -> l.onCheckpoint(step, checkpoint));
  }
}
