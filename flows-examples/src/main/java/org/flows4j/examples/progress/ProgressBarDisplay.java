package org.flows4j.examples.progress;

import java.io.PrintStream;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar redrawn in place: steps done, steps/s, ETA, and the latest training loss and held-out figure.
 * The bar library redraws from its own thread at a fixed interval, so a fast training loop does not spend its
 * time printing.
 */
final class ProgressBarDisplay implements TrainingProgress {
  private final PrintStream out;
  private final ProgressBar bar;
  private String training = "";
  private String heldOut = "";

  ProgressBarDisplay(PrintStream out, long firstStep, long lastStep) {
    this.out = out;
    this.bar = new ProgressBarBuilder()
        .setTaskName("training")
        .setInitialMax(lastStep)
        // Resumed runs start part-way; the rate and ETA count only the steps of this session.
        .startsFrom(firstStep, Duration.ZERO)
        .setStyle(ProgressBarStyle.ASCII)
        .setUnit(" steps", 1)
        .showSpeed(new DecimalFormat("0.0", DecimalFormatSymbols.getInstance(Locale.ROOT)))
        .setSpeedUnit(ChronoUnit.SECONDS)
        .setUpdateIntervalMillis(250)
        // The plain console consumer redraws with a carriage return; the "interactive" one moves the cursor
        // up and down, which garbles the warning lines we print between redraws.
        .setConsumer(new ConsoleProgressBarConsumer(out))
        .build();
  }

  @Override
  public void step(long step, double lossNats, double bitsPerDim) {
    training = String.format(Locale.ROOT, "loss %.3f nats %.3f bits/dim", lossNats, bitsPerDim);
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
    // Overwrite the bar's line with the warning, padded to clear the bar's leftovers, and let the bar redraw
    // itself below on its next tick. One print call, so the bar's thread cannot interleave with it.
    int width = Math.max(line.length(), bar.getTaskName().length() + 100);
    out.print("\r" + String.format("%-" + width + "s", line) + "\n");
    out.flush();
  }

  @Override
  public void close() {
    bar.close();
  }
}
