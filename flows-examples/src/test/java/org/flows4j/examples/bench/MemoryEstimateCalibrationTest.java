package org.flows4j.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.MemoryEstimate;
import org.junit.jupiter.api.Test;

/**
 * {@link MemoryEstimate}'s calibration (a runtime allowance plus a margin over the counted values) against the peaks
 * {@link MemoryEstimateProbe} measured, as the README's table records them: for every configuration the calibrated
 * estimate is at least the measured peak RSS (at least the RSS at which the watchdog killed a run that passed the
 * cap), and the table's counted and calibrated columns are what the code computes today. Nothing is timed or
 * measured here; the probe itself is the benchmark.
 */
class MemoryEstimateCalibrationTest {
  private static final Path README = Path.of("..", "README.md");

  /** One row of the README's table: the configuration, its two estimates and its peak, in MiB. */
  private record Row(String name, int batch, long counted, long calibrated, long peak, boolean killed) {}

  @Test
  void theCalibratedEstimateIsAtLeastEveryPeakTheProbeRecorded() throws IOException {
    List<Row> rows = readmeRows();
    assertThat(rows).as("the README's probe table lists every configuration")
        .hasSize(MemoryEstimateProbe.CONFIGS.size());
    for (Row row : rows) {
      MemoryEstimate estimate = MemoryEstimate.training(
          new MemoryEstimateProbe.Config(row.name(), row.batch()).spec(), row.batch());
      String what = row.name() + " at batch " + row.batch();
      assertThat(estimate.modelBytes() >> 20).as("%s: README's counted MiB", what).isEqualTo(row.counted());
      assertThat(estimate.peakBytes() >> 20).as("%s: README's calibrated MiB", what).isEqualTo(row.calibrated());
      assertThat(estimate.peakBytes() >> 20).as("%s: calibrated estimate against the %s peak", what,
          row.killed() ? "killed-at" : "measured").isGreaterThanOrEqualTo(row.peak());
    }
  }

  @Test
  void theMarginAndAllowanceAreTheDocumentedOnes() {
    assertThat(MemoryEstimate.MARGIN).isEqualTo(1.4);
    assertThat(MemoryEstimate.RUNTIME_BYTES).isEqualTo(460L << 20);
  }

  /** The rows of the table that follows the probe's command in the README. */
  private static List<Row> readmeRows() throws IOException {
    List<String> lines = Files.readAllLines(README, StandardCharsets.UTF_8);
    int start = 0;
    while (!lines.get(start).contains("| config | batch | counted | calibrated | peak RSS |")) {
      start++;
    }
    List<Row> rows = new ArrayList<>();
    for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String[] cells = lines.get(i).split("\\|");
      String peak = cells[5].strip();
      rows.add(new Row(cells[1].strip(), Integer.parseInt(cells[2].strip()), mib(cells[3]), mib(cells[4]),
          mib(peak), peak.startsWith("killed")));
    }
    return rows;
  }

  private static long mib(String cell) {
    return Long.parseLong(cell.replaceAll("[^0-9]", ""));
  }
}
