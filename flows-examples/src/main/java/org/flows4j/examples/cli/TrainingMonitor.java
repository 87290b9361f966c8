package org.flows4j.examples.cli;

import java.nio.file.Path;
import org.flows4j.examples.metrics.MetricsCsv;
import org.flows4j.examples.metrics.MetricsRow;
import org.flows4j.examples.progress.TrainingProgress;
import org.flows4j.tf.training.Evaluation;
import org.flows4j.tf.training.StepReport;
import org.flows4j.tf.training.TrainingListener;

/**
 * Records every step and evaluation in {@code metrics.csv} and shows them on the progress display; reports batches
 * skipped for non-finite values as warnings naming the layer.
 */
final class TrainingMonitor implements TrainingListener, AutoCloseable {
  private final MetricsCsv metrics;
  private final TrainingProgress progress;
  private int skipped;

  TrainingMonitor(MetricsCsv metrics, TrainingProgress progress) {
    this.metrics = metrics;
    this.progress = progress;
  }

  @Override
  public void onStep(StepReport report) {
    metrics.add(MetricsRow.train(report.step(), report.loss(), report.bitsPerDim(), report.gradientNorm(),
        report.learningRate()));
    // Flushed row by row, so the rows on disk always reach the checkpoint written after them: flushing at the
    // checkpoint instead lost the rows since the previous one when a kill fell between the two writes.
    metrics.flush();
    progress.step(report.step(), report.loss(), report.bitsPerDim());
  }

  @Override
  public void onSkippedStep(StepReport report) {
    skipped++;
    progress.warning("warning: a batch after step " + report.step() + " was skipped: its loss or gradient was "
        + "not finite, first in " + report.skippedBecause() + ". The weights are unchanged.");
  }

  @Override
  public void onEvaluation(Evaluation evaluation) {
    metrics.add(MetricsRow.heldOut(evaluation.step(), evaluation.negativeLogLikelihood(),
        evaluation.bitsPerDim()));
    metrics.flush();
    progress.evaluation(evaluation.step(), evaluation.negativeLogLikelihood(), evaluation.bitsPerDim());
  }

  @Override
  public void onCheckpoint(long step, Path checkpoint) {
    // Every row was flushed as it came (see onStep): the metrics on disk already reach this checkpoint.
  }

  /** Batches skipped because their loss or gradient was not finite. */
  int skippedBatches() {
    return skipped;
  }

  /** Ends the progress display and flushes the metrics (which stay open: their owner closes them). */
  @Override
  public void close() {
    try {
      progress.close();
    } finally {
      metrics.flush();
    }
  }
}
