package org.flows4j.examples.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsCsvTest {
  @TempDir Path dir;

  @Test
  void writesAHeaderAndOneRowPerStepAndEvaluation() throws IOException {
    Path file = dir.resolve("metrics.csv");
    try (MetricsCsv metrics = MetricsCsv.create(file)) {
      metrics.add(MetricsRow.train(1, 3.25, 2.3446, 0.5, 3e-3));
      metrics.add(MetricsRow.heldOut(1, 3.0, 2.164));
    }

    assertThat(Files.readString(file)).isEqualTo("""
        step,kind,loss_nats,bits_per_dim,grad_norm,lr
        1,train,3.250000,2.344600,0.500000,0.00300000
        1,heldout,3.000000,2.164000,,
        """);
    assertThat(MetricsCsv.read(file)).containsExactly(MetricsRow.train(1, 3.25, 2.3446, 0.5, 3e-3),
        MetricsRow.heldOut(1, 3.0, 2.164));
  }

  @Test
  void continuingAfterAStepDropsTheRowsTheResumedRunWillRepeat() throws IOException {
    Path file = dir.resolve("metrics.csv");
    try (MetricsCsv metrics = MetricsCsv.create(file)) {
      for (int step = 1; step <= 5; step++) {
        metrics.add(MetricsRow.train(step, step, step, 1, 1e-3));
      }
      metrics.add(MetricsRow.heldOut(5, 0.5, 0.25));
    }

    try (MetricsCsv metrics = MetricsCsv.continueAfter(file, 3)) {
      metrics.add(MetricsRow.train(4, 40, 40, 1, 1e-3));
    }

    assertThat(MetricsCsv.read(file)).extracting(MetricsRow::step, MetricsRow::lossNats)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, 1.0), org.assertj.core.groups.Tuple.tuple(2L, 2.0),
            org.assertj.core.groups.Tuple.tuple(3L, 3.0), org.assertj.core.groups.Tuple.tuple(4L, 40.0));
  }

  @Test
  void aFileThatIsNotOursIsRefusedNamingIt() throws IOException {
    Path file = dir.resolve("other.csv");
    Files.writeString(file, "a,b\n1,2\n");

    assertThatThrownBy(() -> MetricsCsv.read(file))
        .isInstanceOf(IOException.class)
        .hasMessage(file + " is not a flows metrics file: its first line should be '" + MetricsCsv.HEADER + "'");
  }

  @Test
  void aDamagedRowIsReportedWithItsLineNumber() throws IOException {
    Path file = dir.resolve("metrics.csv");
    Files.writeString(file, MetricsCsv.HEADER + "\n1,train,1,1,1,1\n2,tra");

    assertThatThrownBy(() -> MetricsCsv.read(file))
        .hasMessageStartingWith(file + " line 3 is not a metrics row (expected 6 cells, found 2)");
  }

  @Test
  void resumingDropsAHalfWrittenLastRowLeftByAKilledProcess() throws IOException {
    Path file = dir.resolve("metrics.csv");
    Files.writeString(file, MetricsCsv.HEADER + "\n1,train,1,1,1,1\n2,train,2,2,2,2\n3,tra");

    try (MetricsCsv metrics = MetricsCsv.continueAfter(file, 2)) {
      metrics.add(MetricsRow.train(3, 30, 30, 1, 1e-3));
    }

    assertThat(MetricsCsv.read(file)).extracting(MetricsRow::step).containsExactly(1L, 2L, 3L);
  }

  @Test
  void aDamagedRowThatIsNotTheUnfinishedLastOneStillStopsAResume() throws IOException {
    Path file = dir.resolve("metrics.csv");
    String damaged = MetricsCsv.HEADER + "\n1,train,1,1,1,1\n2,tra\n3,train,3,3,3,3\n";
    Files.writeString(file, damaged);

    assertThatThrownBy(() -> MetricsCsv.continueAfter(file, 3))
        .hasMessageStartingWith(file + " line 3 is not a metrics row (expected 6 cells, found 2)");
    assertThat(Files.readString(file)).as("left as it was").isEqualTo(damaged);
  }
}
