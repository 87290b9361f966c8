package org.flows4j.examples.progress;

import org.flows4j.tf.training.RunOptions;
import java.io.PrintWriter;

/** Shows how far training has got. Called on the training thread; close it before printing anything else. */
public interface TrainingProgress extends AutoCloseable {
  /** After optimizer step {@code step}, whose batch had mean loss {@code lossNats} ({@code bitsPerDim}). */
  void step(long step, double lossNats, double bitsPerDim);

  /** After a held-out evaluation at {@code step}. */
  void evaluation(long step, double lossNats, double bitsPerDim);

  /** A warning that must be seen whatever the display (a skipped step), on a line of its own. */
  void warning(String line);

  @Override
  void close();

  /**
   * The display that suits where output goes: nothing but warnings when {@code quiet}; a progress bar when
   * standard output is a terminal; otherwise plain lines on {@code out}, one per evaluation (or every tenth of
   * the run when there are no periodic evaluations).
   *
   * @param firstStep the step training starts after (non-zero when resuming)
   * @param run the run's options: it ends at {@code run.steps()}, evaluating every {@code run.evaluateEvery()}
   */
  static TrainingProgress forOutput(boolean quiet, PrintWriter out, PrintWriter err, long firstStep,
      RunOptions run) {
    long lastStep = run.steps();
    int evaluateEvery = run.evaluateEvery();
    if (quiet) {
      return new WarningsOnly(err);
    }
    // System.console() is non-null only when both standard input and output are terminals; a bar redrawn with
    // carriage returns would fill a log file or a pipe with fragments.
    if (System.console() != null) {
      return new ProgressBarDisplay(System.out, firstStep, lastStep);
    }
    long linesEvery = evaluateEvery > 0 ? 0 : Math.max(1, (lastStep - firstStep) / 10);
    return new PlainLines(out, err, firstStep, lastStep, linesEvery);
  }
}
