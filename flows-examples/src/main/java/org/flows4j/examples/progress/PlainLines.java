package org.flows4j.examples.progress;

import java.io.PrintWriter;
import java.util.Locale;

/** Progress as whole lines, for logs and pipes: one per held-out evaluation, or at a fixed step interval. */
final class PlainLines implements TrainingProgress {
  private final PrintWriter out;
  private final PrintWriter err;
  private final long lastStep;
  private final long linesEvery;
  private final StepRate rate;
  private double lossNats = Double.NaN;
  private double bitsPerDim = Double.NaN;

  /** @param linesEvery print a line every this many steps; 0 to print one per evaluation instead */
  PlainLines(PrintWriter out, PrintWriter err, long firstStep, long lastStep, long linesEvery) {
    this.out = out;
    this.err = err;
    this.lastStep = lastStep;
    this.linesEvery = linesEvery;
    this.rate = new StepRate(firstStep, lastStep);
  }

  @Override
  public void step(long step, double lossNats, double bitsPerDim) {
    this.lossNats = lossNats;
    this.bitsPerDim = bitsPerDim;
    if (linesEvery > 0 && (step % linesEvery == 0 || step == lastStep)) {
      print(step, "");
    }
  }

  @Override
  public void evaluation(long step, double heldOutNats, double heldOutBitsPerDim) {
    if (linesEvery == 0) {
      print(step, String.format(Locale.ROOT, "  held-out %.4f nats %.4f bits/dim", heldOutNats,
          heldOutBitsPerDim));
    }
  }

  private void print(long step, String heldOut) {
    out.printf(Locale.ROOT, "step %d/%d  loss %.4f nats %.4f bits/dim%s  %.1f steps/s  ETA %s%n", step,
        lastStep, lossNats, bitsPerDim, heldOut, rate.stepsPerSecond(step),
        StepRate.format(rate.remaining(step)));
    out.flush();
  }

  @Override
  public void warning(String line) {
    err.println(line);
    err.flush();
  }

  @Override
  public void close() {
    out.flush();
  }
}
