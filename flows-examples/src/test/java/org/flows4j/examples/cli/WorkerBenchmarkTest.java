package org.flows4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code flows benchmark --workers N}: real worker processes on loopback print their figures, a worker above the
 * memory cap stops them all, and no worker outlives the command either way.
 */
class WorkerBenchmarkTest {
  @Test
  @Timeout(300)
  void twoWorkersPrintStepsPerSecondTheAllReducesShareAndTheBytesPerStep() {
    Cli.Result result = Cli.run("benchmark", "--workers", "2", "--model", "realnvp", "--data", "moons", "--steps",
        "5", "--warmup-steps", "1", "--batch", "16");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(result.out()).contains("benchmark: realnvp on moons, 2 workers, batch 16 per worker (global 32)")
        .containsPattern("training: +[0-9.]+ steps/s")
        .containsPattern("task 1: [0-9.]+ steps/s");
    Matcher allReduce = Pattern.compile("all-reduce: ([0-9.]+) ms per step = ([0-9]+)% of the step \\(gradients, "
        + "([0-9]+) floats").matcher(result.out());
    assertThat(allReduce.find()).as(result.out()).isTrue();
    long parameters = Long.parseLong(allReduce.group(3));
    assertThat(parameters).isGreaterThan(100);
    // 2 workers: a ring sends 2(N-1)/N = 1 times the vector of the gradients and 64 floats of flags and loss.
    assertThat(result.out()).contains("× " + 4 * (parameters + 64) + " bytes of gradients");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count()).isZero();
  }

  @Test
  @Timeout(300)
  void aWorkerAboveTheMemoryCapStopsEveryWorker() {
    Cli.Result result = Cli.run("benchmark", "--workers", "2", "--model", "realnvp", "--data", "moons", "--steps",
        "100000", "--batch", "16", "--max-rss-mb", "256");

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.FAILED);
    assertThat(result.out()).containsPattern("error: worker [01] used [0-9]+ MiB of memory, above the cap of 256 "
        + "MiB \\(--max-rss-mb\\); every worker was stopped. Use a smaller model or batch, or raise the cap.");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count()).isZero();
  }

  @Test
  void workersMustBePositive() {
    Cli.Result result = Cli.run("benchmark", "--workers", "0");

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).isEqualTo("error: --workers must be at least 1, but was 0\n");
  }

  @Test
  void samplingCallsMustBePositive() {
    Cli.Result result = Cli.run("benchmark", "--sampling-calls", "0");

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).isEqualTo("error: --sampling-calls must be at least 1, but was 0\n");
  }
}
