package org.flows4j.examples.progress;

import java.time.Duration;

/** Steps per second since training (re)started, and the time the remaining steps will take at that rate. */
final class StepRate {
  private final long firstStep;
  private final long lastStep;
  private final long startNanos = System.nanoTime();

  StepRate(long firstStep, long lastStep) {
    this.firstStep = firstStep;
    this.lastStep = lastStep;
  }

  double stepsPerSecond(long step) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    return seconds > 0 ? (step - firstStep) / seconds : 0;
  }

  Duration remaining(long step) {
    double rate = stepsPerSecond(step);
    return rate > 0 ? Duration.ofMillis(Math.round((lastStep - step) / rate * 1000)) : Duration.ZERO;
  }

  static String format(Duration duration) {
    long seconds = duration.toSeconds();
    return String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
  }
}
