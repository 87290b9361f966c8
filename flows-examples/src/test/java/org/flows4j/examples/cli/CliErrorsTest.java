package org.flows4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every user-caused failure of the command line: exit code 2, one line that says what to do, no stack trace
 * (unless {@code --verbose}), and nothing written to {@code --out} before the options and data are checked.
 */
class CliErrorsTest {
  /** A RealNVP of 2 couplings of width 8 on two moons: trains in about a second. */
  private static final String[] TINY = {"train", "--width", "8", "--depth", "2", "--quiet"};

  /** One trained run, copied for each test that damages it. */
  @TempDir static Path shared;
  private static Path trained;

  @TempDir Path dir;

  @BeforeAll
  static void trainOnce() {
    trained = shared.resolve("trained");
    Cli.Result result = Cli.run(tiny("--steps", "4", "--checkpoint-every", "2", "--out", trained.toString()));
    assertThat(result.exitCode()).as(result.toString()).isZero();
  }

  private static String[] tiny(String... more) {
    String[] all = new String[TINY.length + more.length];
    System.arraycopy(TINY, 0, all, 0, TINY.length);
    System.arraycopy(more, 0, all, TINY.length, more.length);
    return all;
  }

  /** A private copy of the trained run. */
  private Path copyOfRun() throws IOException {
    Path copy = dir.resolve("run");
    try (Stream<Path> walk = Files.walk(trained)) {
      for (Path source : walk.toList()) {
        Path target = copy.resolve(trained.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else if (!source.getFileName().toString().equals(RunLock.FILE)) {
          Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    return copy;
  }

  private static void assertUsageError(Cli.Result result, String messageStart) {
    assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err().lines().toList()).as("one line, no stack trace: " + result).hasSize(1);
    assertThat(result.err()).startsWith("error: " + messageStart);
  }

  @Test
  void aTruncatedSavedModelIsOneLineAndExitTwoAndVerboseAddsTheTrace() throws IOException {
    Path run = copyOfRun();
    Path pb = run.resolve("saved_model/saved_model.pb");
    byte[] bytes = Files.readAllBytes(pb);
    Files.write(pb, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    Cli.Result eval = Cli.run("eval", "--out", run.toString());
    Cli.Result verbose = Cli.run("eval", "--out", run.toString(), "--verbose");

    assertUsageError(eval, "the SavedModel in " + run.resolve("saved_model") + " is damaged and cannot be loaded (");
    assertThat(eval.err()).contains("Export it again from a checkpoint (`flows export --out RUN`");
    assertThat(verbose.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(verbose.err()).startsWith(eval.err()).contains("\tat org.flows4j.");
  }

  @Test
  void aFlippedByteInTheExportedVariablesIsOneLineAndExitTwo() throws IOException {
    Path run = copyOfRun();
    Path data;
    try (Stream<Path> files = Files.list(run.resolve("saved_model/variables"))) {
      data = files.filter(p -> p.getFileName().toString().startsWith("variables.data")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(data);
    bytes[bytes.length / 2] ^= 0x40;
    Files.write(data, bytes);

    Cli.Result result = Cli.run("sample", "--out", run.toString(), "--n", "4");

    assertUsageError(result, "the SavedModel in " + run.resolve("saved_model") + " is damaged and cannot be loaded");
  }

  @Test
  void anOutThatIsAFileOrLiesBelowAFileIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path file = Files.writeString(dir.resolve("a-file"), "not a folder");

    Cli.Result isFile = Cli.run(tiny("--steps", "2", "--out", file.toString()));
    Cli.Result belowFile = Cli.run(tiny("--steps", "2", "--out", file.resolve("run").toString()));

    assertUsageError(isFile, "--out " + file + " is a file, not a folder. Choose another --out.");
    assertUsageError(belowFile, "--out " + file.resolve("run") + " cannot be a folder: " + file + " is a file. "
        + "Choose another --out.");
    assertThat(Files.readString(file)).isEqualTo("not a folder");
  }

  @Test
  void anOutOnAReadOnlyFileSystemIsOneLineAndExitTwo() {
    // The tests run as root, for whom every ordinary folder is writable; sysfs refuses even root new folders.
    Path readOnly = Path.of("/sys/flows4j-cli-test-run");

    Cli.Result result = Cli.run(tiny("--steps", "2", "--out", readOnly.toString()));

    assertUsageError(result, "cannot write " + readOnly + ": permission denied (a read-only folder or file "
        + "system). Choose another --out, or make the folder writable.");
  }

  @Test
  void fileSystemErrorsAnywhereInTheCauseChainAreUserErrors() {
    Exception wrapped = new java.io.UncheckedIOException(new AccessDeniedException("/data/out/metrics.csv"));

    assertThat(UserErrors.describe(wrapped)).isEqualTo("cannot write /data/out/metrics.csv: permission denied (a "
        + "read-only folder or file system). Choose another --out, or make the folder writable.");
    assertThat(UserErrors.describe(new FileSystemException("/data/out", null, "No space left on device")))
        .isEqualTo("cannot write /data/out: the disk is full. Free some space or choose another --out.");
    assertThat(UserErrors.describe(new IllegalStateException("a bug"))).as("bugs keep their trace").isNull();
  }

  @Test
  void anEditedRunJsonIsRefusedNamingTheField() throws IOException {
    Path run = copyOfRun();
    Path runJson = run.resolve("run.json");
    Files.writeString(runJson, Files.readString(runJson).replace("\"batch\" : 256", "\"batch\" : -3"));

    Cli.Result result = Cli.run("train", "--resume", "--steps", "6", "--out", run.toString(), "--quiet");

    assertUsageError(result, runJson + " is damaged (\"batch\" must be at least 1, but was -3). It is written by "
        + "`flows train`; restore it, or train again with --overwrite to recreate it.");
  }

  @Test
  void aTrainerJsonWithNegativeStepsIsRefusedAndNothingIsDeleted() throws IOException {
    Path run = copyOfRun();
    for (Path checkpoint : checkpoints(run)) {
      Path state = checkpoint.resolve("trainer.json");
      Files.writeString(state, Files.readString(state).replaceAll("\"steps\" ?: ?\\d+", "\"steps\" : -5"));
    }
    String metricsBefore = Files.readString(run.resolve("metrics.csv"));
    List<Path> checkpointsBefore = checkpoints(run);

    Cli.Result result = Cli.run("train", "--resume", "--steps", "6", "--out", run.toString(), "--quiet");

    assertUsageError(result, "checkpoint file " + run.resolve("checkpoints/checkpoint-000000004/trainer.json")
        + " is corrupt: \"steps\" must be at least 0, but was -5");
    assertThat(Files.readString(run.resolve("metrics.csv"))).isEqualTo(metricsBefore);
    assertThat(checkpoints(run)).isEqualTo(checkpointsBefore);
  }

  @Test
  void aDamagedMetricsCsvOnResumeNamesTheLineAndChangesNothing() throws IOException {
    Path run = copyOfRun();
    Path metrics = run.resolve("metrics.csv");
    Files.writeString(metrics, "3,train,garbage\n", StandardOpenOption.APPEND);
    String before = Files.readString(metrics);

    Cli.Result result = Cli.run("train", "--resume", "--steps", "6", "--out", run.toString(), "--quiet");

    assertUsageError(result, metrics + " line ");
    assertThat(result.err()).contains("Repair or delete that line, or delete " + metrics + " to start a new one");
    assertThat(Files.readString(metrics)).isEqualTo(before);
  }

  /** The 2-D densities, with a context or without, draw fresh points for every batch: a limit means nothing. */
  @Test
  void aTrainLimitOnTwoDimensionalDataIsRefusedBeforeAnythingIsWritten() {
    for (String data : List.of("moons", "ring-radius")) {
      Path out = dir.resolve(data);

      Cli.Result result = Cli.run(tiny("--data", data, "--train-limit", "1000", "--out", out.toString()));

      assertUsageError(result, "--train-limit applies to image data only: the 2-D density " + data
          + " draws fresh points for every batch. Drop --train-limit.");
      assertThat(out).doesNotExist();
    }
  }

  @Test
  void aBatchLargerThanTheTrainingSetIsRefusedBeforeAnythingIsWritten() {
    Path out = dir.resolve("run");

    Cli.Result result = Cli.run("train", "--data", "fashion-mnist", "--batch", "70000", "--out", out.toString());

    assertUsageError(result, "--batch 70000 is larger than the 60000 training examples of fashion-mnist: a batch "
        + "cannot hold more examples than there are. Lower --batch.");
    assertThat(out).doesNotExist();
  }

  @Test
  void aDatasetSmallerThanTheTrainLimitIsRefusedBeforeAnythingIsWritten() throws IOException {
    Path data = Files.createDirectories(dir.resolve("small-fashion-mnist"));
    Files.write(data.resolve("train-images-idx3-ubyte.gz"), gzippedImages(3));
    Path out = dir.resolve("run");

    Cli.Result result = Cli.run("train", "--data", "fashion-mnist", "--data-dir", data.toString(),
        "--train-limit", "10", "--batch", "2", "--out", out.toString());

    assertUsageError(result, "Fashion-MNIST file " + data.toAbsolutePath().resolve("train-images-idx3-ubyte.gz")
        + " holds 3 images, fewer than the 10 asked for.");
    assertThat(out).doesNotExist();
  }

  @Test
  void aResumeWhoseDataDoNotLoadLeavesNoLockFileBehind() throws IOException {
    Path run = dir.resolve("images");
    assertThat(Cli.run("train", "--model", "nice", "--data", "fashion-mnist", "--width", "4", "--depth", "2",
        "--train-limit", "64", "--batch", "8", "--steps", "1", "--eval-every", "0", "--quiet", "--out",
        run.toString()).exitCode()).isZero();
    // A run folder from before run folders were locked, or whose lock file was removed.
    Files.delete(run.resolve(RunLock.FILE));
    Path noData = Files.createDirectories(dir.resolve("no-data"));

    Cli.Result result = Cli.run("train", "--resume", "--steps", "2", "--data-dir", noData.toString(), "--quiet",
        "--out", run.toString());

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).startsWith("error: ").contains(noData.toString());
    assertThat(run.resolve(RunLock.FILE)).as("a failed resume leaves the folder as it found it").doesNotExist();

    // A resume that gets going keeps its lock file, as every run does.
    Cli.Result resumed = Cli.run("train", "--resume", "--steps", "2", "--quiet", "--out", run.toString());
    assertThat(resumed.exitCode()).as(resumed.toString()).isZero();
    assertThat(run.resolve(RunLock.FILE)).exists();
  }

  @Test
  void resumingAFolderThatHoldsAnotherModelsCheckpointsIsRefused() throws IOException {
    Path run = copyOfRun();
    Path other = dir.resolve("nice");
    assertThat(Cli.run("train", "--model", "nice", "--width", "8", "--depth", "2", "--steps", "2", "--quiet",
        "--out", other.toString()).exitCode()).isZero();
    deleteRecursively(run.resolve("checkpoints"));
    copyRecursively(other.resolve("checkpoints"), run.resolve("checkpoints"));

    Cli.Result result = Cli.run("train", "--resume", "--steps", "6", "--out", run.toString(), "--quiet");

    assertUsageError(result, "the checkpoints in " + run.resolve("checkpoints") + " hold another model than the "
        + "run recorded in " + run + " (realnvp on moons, in spec.json and run.json): the folder mixes two runs.");
  }

  @Test
  void batchOneCannotInitialiseActNormOnVectors() {
    Path out = dir.resolve("run");

    Cli.Result result = Cli.run(tiny("--batch", "1", "--out", out.toString()));

    assertUsageError(result, "--batch 1 cannot initialise ActNorm, which sets each feature's scale from the spread "
        + "of the first batch: one example has none, and training would diverge. Use --batch 2 or more.");
    assertThat(out).doesNotExist();
  }

  @Test
  void specJsonErrorsSpeakOfTheSpecNotOfJackson() throws IOException {
    Path run = copyOfRun();
    Path spec = run.resolve("spec.json");
    String edited = Files.readString(spec).replaceFirst("(\"hiddenWidths\" ?: ?\\[ ?)8", "$1\"eight\"");
    assertThat(edited).contains("\"eight\"");
    Files.writeString(spec, edited);

    Cli.Result result = Cli.run("train", "--resume", "--steps", "6", "--out", run.toString(), "--quiet");

    assertUsageError(result, spec + " is damaged (Invalid flow spec JSON at ");
    assertThat(result.err()).contains("expected a whole number, but found a string (\"eight\")")
        .doesNotContain("CoercionConfig", "java.", "`int`");
  }

  @Test
  void settingsThatNeedMoreMemoryThanTheMachineHasAreRefusedBeforeAnythingIsAllocated() {
    Path out = dir.resolve("run");

    Cli.Result wide = Cli.run("train", "--width", "100000", "--quiet", "--out", out.toString());
    Cli.Result huge = Cli.run(tiny("--batch", "2000000000", "--out", out.toString()));

    assertUsageError(wide, "training realnvp on moons with --batch 256 needs about ");
    assertThat(wide.err()).contains("of memory available. Lower --batch, --width or --depth.");
    assertUsageError(huge, "training realnvp on moons with --batch 2000000000 needs about ");
    assertThat(out).as("nothing is written before the inputs are checked").doesNotExist();
  }

  @Test
  void inspectingAFlowDeeperThanFlowsCompilesIsRefused() {
    // This grew to 24 GB building the graph before the kernel's OOM killer stopped it.
    Cli.Result result = Cli.run("inspect", "--model", "nice", "--depth", "100000");

    assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).startsWith("error: ").contains("the flow has 100001 steps, more than the 4096 flows4j "
        + "compiles");
  }

  @Test
  void samplingMoreThanAPictureShowsWithoutAFileAndEvaluatingWithRowsThatCannotFitAreRefused() throws IOException {
    Path run = copyOfRun();

    Cli.Result sample = Cli.run("sample", "--out", run.toString(), "--n", "2000000000");
    Cli.Result eval = Cli.run("eval", "--out", run.toString(), "--limit", "10", "--importance-samples",
        "1000000", "--batch", "2000000000");

    assertUsageError(sample, "--n 2000000000 is more points than one picture shows (at most 1000000). Lower --n, "
        + "draw several pictures with different --seed, or write them all with --csv FILE.");
    assertUsageError(eval, "evaluating with --batch 2000000000 rows per call needs about ");
    assertThat(eval.err()).contains("Lower --batch.");
  }

  /**
   * Large --n and K work in bounded memory: samples go to --csv in chunks of --batch as they are drawn (here more
   * than a picture shows), and K draws above --batch are taken in chunks of draws.
   */
  @Test
  void moreSamplesThanAPictureGoToTheCsvInChunksAndMoreDrawsThanABatchAreChunked() throws IOException {
    Path run = copyOfRun();
    Path csv = dir.resolve("samples.csv");

    Cli.Result sample = Cli.run("sample", "--out", run.toString(), "--n", "1000001", "--batch", "100000",
        "--csv", csv.toString());

    assertThat(sample.exitCode()).as(sample.toString()).isZero();
    List<String> lines = Files.readAllLines(csv);
    assertThat(lines).hasSize(1_000_001);
    assertThat(lines.get(0).split(",")).hasSize(2);
    assertThat(lines.subList(0, 100)).as("chunk 1 draws afresh, it does not repeat chunk 0")
        .doesNotContainAnyElementsOf(lines.subList(100_000, 100_100));
    try (org.flows4j.tf.export.FlowModel model = org.flows4j.tf.export.FlowModel.load(run.resolve("saved_model"))) {
      float[] first = model.sample(100_000, 1.0, 1);
      assertThat(lines.get(99_999)).as("chunk 0 is model.sample(--batch, t, --seed)")
          .isEqualTo(first[2 * 99_999] + "," + first[2 * 99_999 + 1]);
    }

    Path images = dir.resolve("images");
    assertThat(Cli.run("train", "--model", "nice", "--data", "fashion-mnist", "--width", "4", "--depth", "2",
        "--train-limit", "64", "--batch", "8", "--steps", "1", "--eval-every", "0", "--quiet", "--out",
        images.toString()).exitCode()).isZero();
    Cli.Result eval = Cli.run("eval", "--out", images.toString(), "--limit", "2", "--importance-samples", "8",
        "--batch", "3");
    assertThat(eval.exitCode()).as(eval.toString()).isZero();
    assertThat(eval.out()).contains("(mean over 2 test images, importance-weighted over 8 draws)");
  }

  private static List<Path> checkpoints(Path run) throws IOException {
    try (Stream<Path> files = Files.list(run.resolve("checkpoints"))) {
      return files.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).sorted().toList();
    }
  }

  /** An IDX images file of {@code count} blank 28×28 images, gzip-compressed as Fashion-MNIST ships. */
  static byte[] gzippedImages(int count) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
      out.writeInt(0x803);
      out.writeInt(count);
      out.writeInt(28);
      out.writeInt(28);
      out.write(new byte[count * 28 * 28]);
    }
    return bytes.toByteArray();
  }

  static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  static void copyRecursively(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path source : walk.toList()) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target);
        }
      }
    }
  }

}
