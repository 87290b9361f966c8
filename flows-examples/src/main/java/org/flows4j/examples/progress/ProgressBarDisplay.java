package org.flows4j.examples.progress;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar redrawn in place: steps done, elapsed time and ETA, then steps/s and the latest training loss and
 * held-out figure. The bar library redraws from its own thread at a fixed interval, so a fast training loop does
 * not spend its time printing.
 */
final class ProgressBarDisplay implements TrainingProgress {
  private final PrintStream out;
  private final ConsoleProgressBarConsumer console;
  private final ProgressBar bar;
  private final StepRate rate;
  private String training = "";
  private String heldOut = "";

  ProgressBarDisplay(PrintStream out, long firstStep, long lastStep) {
    this.out = out;
    // The plain console consumer redraws with a carriage return; the "interactive" one moves the cursor up and
    // down, which garbles the warning lines we print between redraws.
    this.console = new ConsoleProgressBarConsumer(out);
    this.bar = new ProgressBarBuilder()
        .setTaskName("training")
        .setInitialMax(lastStep)
        // Resumed runs start part-way; the rate and ETA count only the steps of this session.
        .startsFrom(firstStep, Duration.ZERO)
        .setStyle(ProgressBarStyle.ASCII)
        .setUnit(" steps", 1)
        // Not the library's speed: it divides by whole elapsed seconds, which reads 202.0, 355.0, 500.0 … for the
        // first seconds of a fast run. Ours is in the message below.
        .setUpdateIntervalMillis(250)
        .setConsumer(console)
        .build();
    this.rate = new StepRate(firstStep, lastStep);
  }

  @Override
  public void step(long step, double lossNats, double bitsPerDim) {
    training = String.format(Locale.ROOT, " %.1f steps/s | loss %.3f nats %.3f bits/dim",
        rate.stepsPerSecond(step), lossNats, bitsPerDim);
    bar.stepTo(step);
    bar.setExtraMessage(training + heldOut);
  }

  @Override
  public void evaluation(long step, double lossNats, double bitsPerDim) {
    heldOut = String.format(Locale.ROOT, " | held-out %.3f nats %.3f bits/dim", lossNats, bitsPerDim);
    bar.setExtraMessage(training + heldOut);
  }

  @Override
  public void warning(String line) {
    // Overwrite the bar's line with the warning, padded to the bar's width to clear its leftovers, and let the
    // bar redraw itself below on its next tick. One print call, so the bar's thread cannot interleave with it.
    int width = Math.max(1, Math.max(line.length(), console.getMaxRenderedLength()));
    out.print("\r" + String.format("%-" + width + "s", line) + "\n");
    out.flush();
  }

  @Override
  public void close() {
    bar.close();
  }
}
