package org.flows4j.examples.metrics;

import java.util.Locale;

/**
 * One row of {@code metrics.csv}.
 *
 * @param step optimizer steps taken when the row was recorded
 * @param kind a training step or a held-out evaluation
 * @param lossNats mean negative log-likelihood in nats per example (the batch's, or the held-out set's)
 * @param bitsPerDim the same in bits per dimension
 * @param gradientNorm global gradient norm before clipping; NaN for evaluations
 * @param learningRate the rate the update used; NaN for evaluations
 */
public record MetricsRow(
    long step, Kind kind, double lossNats, double bitsPerDim, double gradientNorm, double learningRate) {

  /** What a row measures. */
  public enum Kind {
    /** One optimizer update: the training batch's loss. */
    TRAIN("train"),
    /** An evaluation on the held-out examples (with the averaged weights when the run uses EMA). */
    HELD_OUT("heldout");

    private final String csvName;

    Kind(String csvName) {
      this.csvName = csvName;
    }

    public String csvName() {
      return csvName;
    }

    static Kind fromCsvName(String name) {
      for (Kind kind : values()) {
        if (kind.csvName.equals(name)) {
          return kind;
        }
      }
      throw new IllegalArgumentException("unknown kind '" + name + "'; expected train or heldout");
    }
  }

  public static MetricsRow train(long step, double lossNats, double bitsPerDim, double gradientNorm,
      double learningRate) {
    return new MetricsRow(step, Kind.TRAIN, lossNats, bitsPerDim, gradientNorm, learningRate);
  }

  public static MetricsRow heldOut(long step, double lossNats, double bitsPerDim) {
    return new MetricsRow(step, Kind.HELD_OUT, lossNats, bitsPerDim, Double.NaN, Double.NaN);
  }

  /** The CSV line, without the line break; NaN cells are left empty. */
  String toCsv() {
    return step + "," + kind.csvName + "," + cell(lossNats, "%.6f") + "," + cell(bitsPerDim, "%.6f") + ","
        + cell(gradientNorm, "%.6g") + "," + cell(learningRate, "%.6g");
  }

  private static String cell(double value, String format) {
    return Double.isNaN(value) ? "" : String.format(Locale.ROOT, format, value);
  }
}
