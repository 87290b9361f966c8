package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.FashionMnist;
import org.flows4j.tf.data.FashionMnist.Split;
import org.flows4j.tf.data.ImageDataSource;

/** The training loops the real-data tests share: record each step's bits/dim, compare windows of the curve. */
final class TrainingCurves {
  private TrainingCurves() {}

  /** The first {@code count} Fashion-MNIST training images, shuffled with seed 0. */
  static ImageDataSource fashionMnist(int count) {
    return new ImageDataSource(FashionMnist.load(FashionMnist.DEFAULT_DIRECTORY, Split.TRAIN, count), 0);
  }

  /** Takes {@code steps} steps of {@code batch} examples; every step must be applied (none skipped). */
  static double[] bitsPerDim(Trainer trainer, DataSource data, int steps, int batch) {
    double[] bitsPerDim = new double[steps];
    for (int step = 0; step < steps; step++) {
      StepReport report = trainer.step(data.batch(step, batch), batch);
      assertThat(report.skipped()).as("step %s: %s", step, report).isFalse();
      bitsPerDim[step] = report.bitsPerDim();
    }
    return bitsPerDim;
  }

  /** The mean of the first {@code window} values. */
  static double firstMean(double[] curve, int window) {
    return Arrays.stream(curve, 0, window).average().orElseThrow();
  }

  /** The mean of the last {@code window} values. */
  static double lastMean(double[] curve, int window) {
    return Arrays.stream(curve, curve.length - window, curve.length).average().orElseThrow();
  }
}
