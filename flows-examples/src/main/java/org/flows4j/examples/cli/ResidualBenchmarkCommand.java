package org.flows4j.examples.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flows benchmark-residual}: the Residual Flows workloads of issue 9 (see {@link ResidualWorkload}), each in
 * a fresh JVM with a bounded heap (peak RSS only grows within a process) watched by this process, which kills it
 * when its resident memory passes {@code --max-rss-mib}. Per workload: seconds from the child JVM's start until the
 * trainer is ready (graph, session, initialisation), the first training step (ActNorm's data-dependent init and
 * TensorFlow's graph optimisation of each new run), the steady seconds per step (mean over the timed steps), peak
 * RSS and the number of ops in the trainer's graph. The evaluation workload adds the evaluation of one batch with
 * the EMA weights, and the thorough spectral refresh that evaluation runs before and after swapping them in, timed
 * apart.
 */
@Command(name = "benchmark-residual", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Residual Flows' start-up time, seconds per step, peak memory and graph size on the workloads of "
        + "the official code (toy, image, one conv block, evaluation, the paper's MNIST model with --large).")
public final class ResidualBenchmarkCommand implements Callable<Integer> {
  @Option(names = "--only", paramLabel = "NAMES", split = ",",
      description = "run these workloads only, comma-separated: toy, toy-backprop, image, conv-N-neumann, "
          + "conv-N-backprop (N = 2, 5, 10, 20), conv-N-neumann-bf16 (N = 2, 20; conv for all ten), eval, mnist (default: all but the large "
          + "ones)")
  List<String> only = new ArrayList<>();

  @Option(names = "--steps", paramLabel = "N", defaultValue = "3",
      description = "timed steps after the first (default: ${DEFAULT-VALUE})")
  int steps = 3;

  @Option(names = "--depth-scale", paramLabel = "X", defaultValue = "1",
      description = "multiply every workload's number of blocks, e.g. 0.1 for a quick run (default: "
          + "${DEFAULT-VALUE})")
  double depthScale = 1;

  @Option(names = "--large", description = "also run the workloads that need more memory than a shared machine "
      + "should give one process (the paper's MNIST model)")
  boolean large;

  @Option(names = "--xla", description = "train with XLA JIT compilation (TrainingOptions.xla)")
  boolean xla;

  @Option(names = "--max-rss-mib", paramLabel = "MIB", defaultValue = "6000",
      description = "kill a workload whose resident memory passes this (default: ${DEFAULT-VALUE})")
  long maxRssMib = 6000;

  @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "2g",
      description = "the child JVMs' -Xmx (default: ${DEFAULT-VALUE})")
  String heap = "2g";

  @Override
  public Integer call() throws Exception {
    List<ResidualWorkload> workloads = new ArrayList<>();
    if (only.isEmpty()) {
      for (ResidualWorkload workload : ResidualWorkload.values()) {
        if (large || !workload.large) {
          workloads.add(workload);
        }
      }
    } else {
      for (String name : only) {
        if (name.strip().equals("conv")) {
          for (ResidualWorkload workload : ResidualWorkload.values()) {
            if (workload.isConvBlock()) {
              workloads.add(workload);
            }
          }
          continue;
        }
        try {
          workloads.add(ResidualWorkload.fromCliName(name.strip()));
        } catch (IllegalArgumentException e) {
          throw new UsageException("--only: unknown workload '" + name + "'; use toy, toy-backprop, image, "
              + "conv (all conv-N-neumann and conv-N-backprop, N = 2, 5, 10, 20; conv-N-neumann-bf16, N = 2, 20), eval "
              + "or mnist");
        }
      }
    }
    if (!(depthScale > 0)) {
      throw new UsageException("--depth-scale must be positive, but was " + depthScale);
    }
    System.out.printf(Locale.ROOT, "%-48s %8s %8s %8s %8s %8s %9s  %s%n", "workload", "ready s", "first s",
        "to-1st s", "s/step", "RSS MiB", "ops", "notes");
    for (ResidualWorkload workload : workloads) {
      if (workload.large && !large && only.isEmpty()) {
        continue;
      }
      System.out.printf(Locale.ROOT, "%-48s %s%n", workload.title, child(workload));
    }
    return ExitCodes.OK;
  }

  /** Runs one workload in a child JVM under the RSS watchdog; the row of figures, or why there is none. */
  private String child(ResidualWorkload workload) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = Files.createTempFile("benchmark-residual-", ".log");
    ProcessBuilder builder = new ProcessBuilder(java, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
        ResidualBenchmarkCommand.class.getName(), workload.cliName(), String.valueOf(depthScale),
        String.valueOf(steps), String.valueOf(xla))
        .redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put(HugePageTunable.VARIABLE,
        HugePageTunable.withHugePages(System.getenv(HugePageTunable.VARIABLE)));
    if (xla) {
      // On CPU, TensorFlow auto-clusters for XLA only with this flag (global_jit_level alone is for GPUs).
      builder.environment().put("TF_XLA_FLAGS", "--tf_xla_cpu_global_jit");
    }
    Process process = builder.start();
    long peakKib = 0;
    boolean killed = false;
    while (!process.waitFor(200, TimeUnit.MILLISECONDS)) {
      long rss = residentKib(process.pid());
      peakKib = Math.max(peakKib, rss);
      if (rss > maxRssMib * 1024) {
        process.destroyForcibly();
        process.waitFor();
        killed = true;
        break;
      }
    }
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    for (String line : lines) {
      if (line.startsWith("RESULT ")) {
        return line.substring("RESULT ".length());
      }
    }
    if (killed) {
      return String.format(Locale.ROOT, "killed: resident memory passed %d MiB (--max-rss-mib)", maxRssMib);
    }
    String last = lines.isEmpty() ? "no output" : lines.get(lines.size() - 1);
    return "failed (exit " + process.exitValue() + ", peak RSS " + peakKib / 1024 + " MiB): " + last;
  }

  /** {@code VmRSS} of a process in KiB; 0 when it cannot be read (gone, or no /proc). */
  private static long residentKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.substring("VmRSS:".length()).replace("kB", "").strip());
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }

  /**
   * The child JVM: one workload; prints {@code RESULT} and its figures: seconds from JVM start to a ready trainer,
   * the first step, their sum, steady seconds per step, peak RSS in MiB, op count, and notes.
   */
  public static void main(String[] args) {
    ResidualWorkload workload = ResidualWorkload.fromCliName(args[0]);
    double depthScale = Double.parseDouble(args[1]);
    int steps = Integer.parseInt(args[2]);
    boolean xla = Boolean.parseBoolean(args[3]);
    FlowSpec spec = workload.spec(depthScale);
    int batch = workload.batch;
    List<float[]> batches = new ArrayList<>();
    for (int i = 0; i <= steps; i++) {
      batches.add(data(workload, spec.inputShape(), batch, i));
    }
    TrainingOptions.Builder options = TrainingOptions.builder().seed(1).xla(xla);
    if (workload == ResidualWorkload.EVAL) {
      options.emaDecay(0.999);
    }
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    try (Trainer trainer = Trainer.create(spec, options.build())) {
      double ready = (System.currentTimeMillis() - jvmStart) / 1e3;
      long start = System.nanoTime();
      trainer.step(batches.get(0), batch);
      double first = (System.nanoTime() - start) / 1e9;
      start = System.nanoTime();
      for (int i = 1; i <= steps; i++) {
        trainer.step(batches.get(i), batch);
      }
      double perStep = steps == 0 ? Double.NaN : (System.nanoTime() - start) / 1e9 / steps;
      String notes = "";
      if (workload == ResidualWorkload.EVAL) {
        notes = evaluationNotes(trainer, batches.get(0), batch);
      }
      OptionalLong peak = MemoryUsage.peakResidentBytes();
      System.out.printf(Locale.ROOT, "RESULT %8.2f %8.2f %8.2f %8.3f %8d %9d  %s%n", ready, first, ready + first,
          perStep, peak.isPresent() ? peak.getAsLong() / (1024 * 1024) : -1, trainer.graphOperationCount(),
          notes);
    }
  }

  /**
   * Evaluation of one batch with the EMA weights (20 exact terms then the roulette), first and second call, and the
   * thorough spectral refresh alone (evaluation runs it after swapping the EMA weights in and again after swapping
   * them out).
   */
  private static String evaluationNotes(Trainer trainer, float[] batch, int n) {
    long start = System.nanoTime();
    trainer.evaluate(batch, n);
    double firstEvaluation = (System.nanoTime() - start) / 1e9;
    start = System.nanoTime();
    trainer.evaluate(batch, n);
    double evaluation = (System.nanoTime() - start) / 1e9;
    trainer.refreshSpectralNorms();
    start = System.nanoTime();
    trainer.refreshSpectralNorms();
    double refresh = (System.nanoTime() - start) / 1e9;
    return String.format(Locale.ROOT,
        "evaluation %.2f s (first %.2f s), including 2 thorough spectral refreshes of %.3f s each", evaluation,
        firstEvaluation, refresh);
  }

  private static float[] data(ResidualWorkload workload, Shape shape, int batch, int index) {
    if (workload.isToy()) {
      return ToyDensity.EIGHT_GAUSSIANS.sampleFlat(batch, new SplittableRandom(index));
    }
    SplittableRandom random = new SplittableRandom(index);
    float[] values = new float[batch * shape.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextInt(256);
    }
    return values;
  }
}
