package org.flows4j.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.TruncatedSeries;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flows benchmark-residual}: Residual Flows' speed and memory. Each configuration runs in a fresh JVM (peak
 * RSS only grows within a process) and reports seconds per training step (after one untimed step) and peak RSS:
 * the toy preset (100 blocks of 4×128, batch 500), the image preset (blocks 4-4-4, width 128, batch 32, 28×28×1),
 * and one conv block (28×28×1, batch 16, width 512) with n = 2, 5, 10, 20 series terms, Neumann gradient against
 * backpropagation through the series — the Neumann column must stay flat.
 */
@Command(name = "benchmark-residual", mixinStandardHelpOptions = true,
    description = "Seconds per training step and peak memory of Residual Flows: the toy and image presets, and "
        + "one conv block with 2-20 series terms, Neumann gradient vs backpropagation.")
public final class ResidualBenchmarkCommand implements Callable<Integer> {
  @Option(names = "--steps", paramLabel = "N", defaultValue = "3",
      description = "timed steps per configuration (default: ${DEFAULT-VALUE})")
  int steps = 3;

  @Option(names = "--only", paramLabel = "NAME",
      description = "run one configuration: toy, image or conv (default: all)")
  String only = "";

  @Override
  public Integer call() throws Exception {
    System.out.printf("%-40s %10s %14s%n", "configuration", "s/step", "peak RSS MiB");
    if (only.isEmpty() || only.equals("toy")) {
      report("toy preset, 100 blocks of 4x128, b500", child("toy", 0, "neumann"));
    }
    if (only.isEmpty() || only.equals("image")) {
      report("image preset 4-4-4, width 128, b32", child("image", 0, "neumann"));
    }
    if (only.isEmpty() || only.equals("conv")) {
      for (int terms : new int[] {2, 5, 10, 20}) {
        for (String gradient : List.of("neumann", "backprop")) {
          report("conv block w512 b16, n=" + terms + ", " + gradient, child("conv", terms, gradient));
        }
      }
    }
    return 0;
  }

  private static void report(String name, String result) {
    String[] fields = result.trim().split(" ");
    System.out.printf("%-40s %10s %14s%n", name, fields[0], fields[1]);
  }

  private String child(String config, int terms, String gradient) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        ResidualBenchmarkCommand.class.getName(), config, String.valueOf(terms), gradient, String.valueOf(steps))
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String output = new String(process.getInputStream().readAllBytes());
    process.waitFor();
    for (String line : output.split("\n")) {
      if (line.startsWith("RESULT ")) {
        return line.substring("RESULT ".length());
      }
    }
    return "failed failed";
  }

  /** The child JVM: one configuration, prints {@code RESULT <s/step> <peak MiB>}. */
  public static void main(String[] args) {
    String config = args[0];
    int terms = Integer.parseInt(args[1]);
    String gradient = args[2];
    int steps = Integer.parseInt(args[3]);
    FlowSpec spec;
    int batch;
    switch (config) {
      case "toy" -> {
        spec = Presets.residualFlow(Shape.of(2), 100, 128);
        batch = 500;
      }
      case "image" -> {
        spec = Presets.residualFlow(Shape.of(28, 28, 1), 4, 128);
        batch = 32;
      }
      default -> {
        TruncatedSeries series = LogDet.truncatedSeries(terms);
        TruncatedSeries estimator = gradient.equals("neumann") ? series.neumannGradient() : series;
        spec = Flows.sequential(Shape.of(28, 28, 1))
            .steps(1, s -> s.residualBlock(b -> b.branch(new LipschitzConvNet(512, true))
                .logDet(estimator).evaluationLogDet(estimator)))
            .build();
        batch = 16;
      }
    }
    List<float[]> batches = new ArrayList<>();
    for (int i = 0; i <= steps; i++) {
      batches.add(data(config, spec.inputShape(), batch, i));
    }
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder().seed(1).build())) {
      trainer.step(batches.get(0), batch); // untimed: data-dependent init and graph optimisation
      long start = System.nanoTime();
      for (int i = 1; i <= steps; i++) {
        trainer.step(batches.get(i), batch);
      }
      double seconds = (System.nanoTime() - start) / 1e9 / steps;
      double peak = MemoryUsage.peakResidentBytes().orElse(-1) / (1024.0 * 1024.0);
      System.out.printf("RESULT %.3f %.0f%n", seconds, peak);
    }
  }

  private static float[] data(String config, Shape shape, int batch, int index) {
    if (config.equals("toy")) {
      return ToyDensity.EIGHT_GAUSSIANS.sampleFlat(batch, index);
    }
    SplittableRandom random = new SplittableRandom(index);
    float[] values = new float[batch * shape.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextInt(256);
    }
    return values;
  }
}
