package org.flows4j.examples.progress;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class PlainLinesTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @Test
  void printsOneLinePerEvaluationWithTheLatestTrainingLoss() {
    try (PlainLines lines = new PlainLines(new PrintWriter(out), new PrintWriter(err), 0, 4, 0)) {
      lines.step(1, 3.5, 2.5);
      lines.step(2, 3.0, 2.25);
      lines.evaluation(2, 2.9, 2.1);
      lines.step(3, 2.0, 1.5);
    }

    assertThat(out.toString().lines()).singleElement().asString()
        .matches("step 2/4  loss 3\\.0000 nats 2\\.2500 bits/dim  held-out 2\\.9000 nats 2\\.1000 bits/dim  "
            + "\\S+ steps/s  ETA \\d+:\\d\\d:\\d\\d");
  }

  @Test
  void withoutPeriodicEvaluationsPrintsEveryFewStepsAndAtTheEnd() {
    try (PlainLines lines = new PlainLines(new PrintWriter(out), new PrintWriter(err), 10, 15, 2)) {
      for (int step = 11; step <= 15; step++) {
        lines.step(step, 1, 1);
      }
    }

    assertThat(out.toString().lines().map(line -> line.substring(0, line.indexOf("  "))))
        .containsExactly("step 12/15", "step 14/15", "step 15/15");
  }

  @Test
  void warningsGoToStandardError() {
    try (PlainLines lines = new PlainLines(new PrintWriter(out), new PrintWriter(err), 0, 4, 0)) {
      lines.warning("warning: skipped");
    }

    assertThat(err.toString()).isEqualTo("warning: skipped" + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }
}
