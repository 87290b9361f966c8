package org.flows4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.flows4j.examples.metrics.MetricsCsv;
import org.flows4j.examples.metrics.MetricsRow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run folder belongs to one process at a time, and resuming never loses or mixes what is in it: the OS lock,
 * two real processes racing, a lock left by a killed process, a damaged newest checkpoint, {@code latest} pointing
 * outside, {@code --from-checkpoint}.
 */
class RunFolderTest {
  private static final String[] TINY = {"train", "--width", "8", "--depth", "2", "--quiet"};

  @TempDir Path dir;

  private static String[] tiny(String... more) {
    String[] all = new String[TINY.length + more.length];
    System.arraycopy(TINY, 0, all, 0, TINY.length);
    System.arraycopy(more, 0, all, TINY.length, more.length);
    return all;
  }

  private static List<Long> trainSteps(Path run) throws IOException {
    return MetricsCsv.read(run.resolve("metrics.csv")).stream().filter(r -> r.kind() == MetricsRow.Kind.TRAIN)
        .map(MetricsRow::step).toList();
  }

  private static List<Long> steps(long first, long last) {
    return LongStream.rangeClosed(first, last).boxed().toList();
  }

  @Test
  void aFolderLockedByAnotherCommandIsRefusedNamingTheHolderAndLeftUntouched() throws IOException {
    Path out = dir.resolve("run");
    assertThat(Cli.run(tiny("--steps", "2", "--out", out.toString())).exitCode()).isZero();
    String metrics = Files.readString(out.resolve("metrics.csv"));

    Cli.Result overwrite;
    Cli.Result resume;
    try (RunLock lock = RunLock.acquire(out)) {
      overwrite = Cli.run(tiny("--steps", "2", "--overwrite", "--out", out.toString()));
      resume = Cli.run("train", "--resume", "--steps", "4", "--out", out.toString());
    }
    Cli.Result afterwards = Cli.run("train", "--resume", "--steps", "4", "--out", out.toString(), "--quiet");

    String inUse = "error: " + out + " is in use by another flows process (pid " + ProcessHandle.current().pid()
        + "). Wait for it to finish, stop it, or choose another --out.\n";
    assertThat(overwrite.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(overwrite.err()).isEqualTo(inUse);
    assertThat(resume.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(resume.err()).isEqualTo(inUse);
    assertThat(afterwards.exitCode()).as("the lock is gone with its holder: " + afterwards).isZero();
    assertThat(Files.readString(out.resolve("metrics.csv"))).startsWith(metrics);
  }

  @Test
  void aLockFileIsRemovedOnFailureOnlyByTheCommandThatCreatedIt() throws IOException {
    Path out = Files.createDirectories(dir.resolve("run"));
    Path file = out.resolve(RunLock.FILE);

    RunLock created = RunLock.acquire(out);
    assertThat(file).exists();
    created.closeAndRemoveIfCreated();
    assertThat(file).as("created by this command: removed").doesNotExist();

    Files.writeString(file, "pid 1\n");
    RunLock existing = RunLock.acquire(out);
    existing.closeAndRemoveIfCreated();
    assertThat(file).as("found there: kept").exists();
  }

  /**
   * Two real processes: the first trains (for as long as it takes), the second is started into the same folder with
   * {@code --overwrite}. The second must be refused naming the first's PID and touch nothing; then the first is
   * killed (SIGKILL, so its lock is never released by the JVM), and a third command must find the folder free,
   * clean the killed process's leftovers and resume.
   */
  @Test
  void aSecondProcessIsRefusedNamingTheHolderAndAKilledHoldersLockDoesNotBlock() throws Exception {
    Path out = dir.resolve("run");
    Process first = ChildFlows.start(dir, "first", tiny("--steps", "1000000", "--eval-every", "0",
        "--checkpoint-every", "20", "--out", out.toString()));
    Path latest = out.resolve("checkpoints/latest");
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.isRegularFile(latest) && System.nanoTime() < deadline && first.isAlive()) {
        Thread.sleep(20);
      }
      assertThat(first.isAlive()).as("training: " + Files.readString(dir.resolve("first.err"))).isTrue();
      String spec = Files.readString(out.resolve("spec.json"));

      Process second = ChildFlows.start(dir, "second", tiny("--steps", "300", "--overwrite", "--out",
          out.toString()));
      assertThat(second.waitFor(120, TimeUnit.SECONDS)).isTrue();

      String secondErr = Files.readString(dir.resolve("second.err"), StandardCharsets.UTF_8);
      assertThat(second.exitValue()).as(secondErr).isEqualTo(ExitCodes.USAGE);
      assertThat(secondErr).isEqualTo("error: " + out + " is in use by another flows process (pid " + first.pid()
          + "). Wait for it to finish, stop it, or choose another --out.\n");
      assertThat(first.isAlive()).as("the refusal came while the first was training").isTrue();
      assertThat(Files.readString(out.resolve("spec.json"))).isEqualTo(spec);
    } finally {
      first.destroyForcibly();
      first.waitFor(30, TimeUnit.SECONDS);
    }
    List<Long> rows = trainSteps(out);
    assertThat(rows).as("one run's rows, each step once, in order").isEqualTo(steps(1, rows.size()));

    // What a kill in the middle of a checkpoint write leaves behind, besides the lock file.
    Files.createDirectories(out.resolve("checkpoints/.checkpoint-000009999-123"));
    long resumedAt = Long.parseLong(Files.readString(latest).trim().substring("checkpoint-".length()));
    Cli.Result resumed = Cli.run("train", "--resume", "--steps", String.valueOf(resumedAt + 10), "--out",
        out.toString(), "--quiet");

    assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
    assertThat(resumed.out()).contains("steps " + resumedAt + " to " + (resumedAt + 10));
    try (Stream<Path> files = Files.list(out.resolve("checkpoints"))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(name -> name.startsWith(".")))
          .as("temporary folders of the killed process").isEmpty();
    }
    assertThat(trainSteps(out)).isEqualTo(steps(1, resumedAt + 10));
  }

  @Test
  void aDamagedNewestCheckpointFallsBackToTheNewestIntactOneAndSaysSo() throws IOException {
    Path out = dir.resolve("run");
    assertThat(Cli.run(tiny("--steps", "6", "--checkpoint-every", "2", "--out", out.toString())).exitCode())
        .isZero();
    Path newest = out.resolve("checkpoints/checkpoint-000000006");
    Files.delete(newest.resolve("variables.index"));

    Cli.Result resumed = Cli.run("train", "--resume", "--steps", "8", "--checkpoint-every", "2", "--out",
        out.toString(), "--quiet");

    assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
    assertThat(resumed.err()).isEqualTo("warning: skipping a damaged checkpoint: checkpoint " + newest
        + " is incomplete: variables.index is missing. Delete it and its 'latest' entry, or resume from an older "
        + "checkpoint.\nwarning: resuming from the newest intact checkpoint, "
        + out.resolve("checkpoints/checkpoint-000000004") + "\n");
    assertThat(resumed.out()).contains("steps 4 to 8");
    assertThat(trainSteps(out)).isEqualTo(steps(1, 8));
    assertThat(Files.readString(out.resolve("checkpoints/latest")).trim()).isEqualTo("checkpoint-000000008");
    assertThat(newest.resolve("variables.index")).as("step 6 was written again on the way").exists();
  }

  @Test
  void fromCheckpointResumesFromTheChosenStepAndKeepsTheNewerOnesUntilReplaced() throws IOException {
    Path out = dir.resolve("run");
    assertThat(Cli.run(tiny("--steps", "6", "--checkpoint-every", "2", "--out", out.toString())).exitCode())
        .isZero();

    Cli.Result missing = Cli.run("train", "--resume", "--from-checkpoint", "3", "--steps", "8", "--out",
        out.toString(), "--quiet");
    Cli.Result resumed = Cli.run("train", "--resume", "--from-checkpoint", "2", "--steps", "3",
        "--checkpoint-every", "1", "--out", out.toString(), "--quiet");

    assertThat(missing.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(missing.err()).isEqualTo("error: there is no checkpoint of step 3 in " + out.resolve("checkpoints")
        + "; there are checkpoints of steps [6, 4, 2].\n");
    assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
    assertThat(resumed.out()).contains("steps 2 to 3");
    assertThat(trainSteps(out)).isEqualTo(steps(1, 3));
    try (Stream<Path> files = Files.list(out.resolve("checkpoints"))) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(name -> name.startsWith("checkpoint-")).sorted())
          .as("pruning keeps this history's newest and leaves the later ones alone")
          .containsExactly("checkpoint-000000002", "checkpoint-000000003", "checkpoint-000000004",
              "checkpoint-000000006");
    }
    assertThat(Files.readString(out.resolve("checkpoints/latest")).trim()).isEqualTo("checkpoint-000000003");
  }

  @Test
  void aLatestPointingOutsideTheCheckpointsFolderIsRefusedNotFollowed() throws IOException {
    Path out = dir.resolve("run");
    assertThat(Cli.run(tiny("--steps", "2", "--out", out.toString())).exitCode()).isZero();
    Path latest = out.resolve("checkpoints/latest");

    for (String target : List.of("../../other", "/tmp/elsewhere/checkpoint-000000002")) {
      Files.writeString(latest, target);

      Cli.Result result = Cli.run("train", "--resume", "--steps", "4", "--out", out.toString(), "--quiet");

      assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
      assertThat(result.err()).isEqualTo("error: " + latest + " must name a checkpoint folder beside it "
          + "(checkpoint-<step>), but names '" + target + "'. It is written by training; write the name of one of "
          + "the checkpoint folders into it.\n");
    }
  }
}
