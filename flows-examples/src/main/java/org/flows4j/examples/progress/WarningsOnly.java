package org.flows4j.examples.progress;

import java.io.PrintWriter;

/** {@code --quiet}: no progress at all, but warnings still reach standard error. */
final class WarningsOnly implements TrainingProgress {
  private final PrintWriter err;

  WarningsOnly(PrintWriter err) {
    this.err = err;
  }

  @Override
  public void step(long step, double lossNats, double bitsPerDim) {}

  @Override
  public void evaluation(long step, double lossNats, double bitsPerDim) {}

  @Override
  public void warning(String line) {
    err.println(line);
    err.flush();
  }

  @Override
  public void close() {}
}
