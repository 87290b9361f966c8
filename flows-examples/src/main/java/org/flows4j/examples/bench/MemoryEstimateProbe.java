package org.flows4j.examples.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.MemoryEstimate;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;

/**
 * Checks {@link MemoryEstimate} against what training really takes: for a few configurations it trains a few steps
 * in a child JVM of its own (so each peak is that configuration's alone) and prints the count and the calibrated
 * estimate beside the child's peak resident set size ({@code VmHWM}). The README records its figures, which the
 * estimate's calibration comes from and which {@code MemoryEstimateCalibrationTest} checks it against. A watchdog kills a child whose RSS passes the cap, so the probe cannot push
 * the machine into its OOM killer.
 *
 * <p>Run (heavy: one run at a time on a shared machine):
 * {@code java -cp … org.flows4j.examples.bench.MemoryEstimateProbe [capMiB]}.
 */
public final class MemoryEstimateProbe {
  private MemoryEstimateProbe() {}

  /** One configuration: a preset at a batch size. */
  record Config(String name, int batch) {
    FlowSpec spec() {
      return switch (name) {
        case "realnvp-2d" -> Presets.realNvp(Shape.of(2)).couplings(8).width(64).build();
        case "realnvp-2d-wide" -> Presets.realNvp(Shape.of(2)).couplings(8).width(1024).build();
        case "nice-784" -> Presets.nice(Shape.of(28, 28, 1)).couplings(4).width(512).build();
        case "glow-28" -> Presets.glow(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(4).width(64).build();
        default -> throw new IllegalArgumentException("unknown configuration " + name);
      };
    }
  }

  static final List<Config> CONFIGS = List.of(
      new Config("realnvp-2d", 256), new Config("realnvp-2d", 65536), new Config("realnvp-2d-wide", 4096),
      new Config("nice-784", 256), new Config("nice-784", 2048), new Config("glow-28", 16),
      new Config("glow-28", 128));
  private static final int STEPS = 3;

  public static void main(String[] args) throws Exception {
    if (args.length == 3 && args[0].equals("child")) {
      child(new Config(args[1], Integer.parseInt(args[2])));
      return;
    }
    long capBytes = (args.length > 0 ? Long.parseLong(args[0]) : 5000) << 20;
    System.out.printf(Locale.ROOT, "%-16s %7s %10s %10s %10s %10s %11s %10s %8s%n", "config", "batch", "weights",
        "activ.", "graph", "counted", "calibrated", "peak RSS", "RSS/cal.");
    for (Config config : CONFIGS) {
      MemoryEstimate estimate = MemoryEstimate.training(config.spec(), config.batch());
      String measured = runChild(config, capBytes);
      System.out.printf(Locale.ROOT, "%-16s %7d %10s %10s %10s %10s %11s %10s %8s%n", config.name(), config.batch(),
          mib(estimate.weightBytes()), mib(estimate.activationBytes()), mib(estimate.graphBytes()),
          mib(estimate.modelBytes()), mib(estimate.peakBytes()),
          measured.startsWith("killed") ? measured : mib(Long.parseLong(measured)),
          measured.startsWith("killed") ? "-"
              : String.format(Locale.ROOT, "%.2f", Long.parseLong(measured) / (double) estimate.peakBytes()));
    }
  }

  /** Trains {@link #STEPS} steps and prints the peak RSS in bytes as the last line. */
  private static void child(Config config) throws IOException {
    FlowSpec spec = config.spec();
    int size = spec.inputShape().size();
    float[] batch;
    if (spec.inputShape().isVector() && size == 2) {
      batch = ToyDensity.fromCliName("moons").sampleFlat(config.batch(), new SplittableRandom(1));
    } else {
      SplittableRandom random = new SplittableRandom(1);
      batch = new float[config.batch() * size];
      for (int i = 0; i < batch.length; i++) {
        batch[i] = random.nextInt(256);
      }
    }
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(0).build())) {
      while (trainer.steps() < STEPS) {
        trainer.step(batch, config.batch());
      }
    }
    System.out.println(peakRss(Path.of("/proc/self/status"), "VmHWM:"));
  }

  /** The child's last output line (its peak RSS), or "killed at …" when the watchdog stopped it. */
  private static String runChild(Config config, long capBytes) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
        MemoryEstimateProbe.class.getName(), "child", config.name(), Integer.toString(config.batch())));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process process = builder.start();
    Path status = Path.of("/proc", Long.toString(process.pid()), "status");
    long[] worst = {0};
    Thread watchdog = new Thread(() -> {
      while (process.isAlive()) {
        try {
          long rss = peakRss(status, "VmRSS:");
          worst[0] = Math.max(worst[0], rss);
          if (rss > capBytes) {
            process.destroyForcibly();
            return;
          }
          Thread.sleep(100);
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    });
    watchdog.setDaemon(true);
    watchdog.start();
    String last = "";
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        last = line;
      }
    }
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
    }
    return process.exitValue() == 0 && last.matches("\\d+") ? last : "killed at " + mib(worst[0]);
  }

  private static long peakRss(Path status, String field) throws IOException {
    for (String line : Files.readAllLines(status)) {
      if (line.startsWith(field)) {
        return Long.parseLong(line.substring(field.length()).replace("kB", "").strip()) * 1024;
      }
    }
    throw new IOException("no " + field + " in " + status);
  }

  private static String mib(long bytes) {
    return String.format(Locale.ROOT, "%d MiB", bytes >> 20);
  }
}
