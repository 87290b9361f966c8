package org.flows4j.examples.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingOptions;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.StepStats;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Where one sampling call of the {@code emerging} or {@code maf} CLI preset (or {@code glow}, for comparison) (the {@code flows benchmark} defaults:
 * 2 levels × 4 steps of width 32, or 4 PixelCNN steps of width 32, on 28×28×1) spends its time, in a bare session
 * (no trainer): milliseconds per call and samples/s for several samples per call, then the op types that took the
 * most time in one traced call (RunMetadata step stats, summed per op type; ops run on two threads, so the sum can
 * exceed the wall time).
 *
 * <p>{@code java -cp … org.flows4j.examples.bench.SamplingProfile emerging 1,16,64 5}: preset, samples per call,
 * timed calls per count; a fourth argument {@code trainer} times {@code Trainer.sample} instead (EMA on, as
 * {@code flows benchmark}). Figures only; nothing asserts on them.
 */
public final class SamplingProfile {
  private SamplingProfile() {}

  public static void main(String[] args) {
    String model = args.length > 0 ? args[0] : "emerging";
    String[] counts = (args.length > 1 ? args[1] : "1,16,64").split(",");
    int calls = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Shape shape = Shape.of(28, 28, 1);
    FlowSpec spec = switch (model) {
      case "emerging" -> Presets.emerging(shape).levels(2).stepsPerLevel(4).width(32).build();
      case "glow" -> Presets.glow(shape).levels(2).stepsPerLevel(4).width(32).build();
      case "maf" -> Presets.maf(shape).layers(4).width(32).build();
      default -> throw new IllegalArgumentException("model must be emerging, glow or maf, but was " + model);
    };
    if (args.length > 3 && args[3].equals("trainer")) {
      throughTrainer(model, spec, counts, calls);
      return;
    }
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat32> flow = FlowCompiler.compile(tf, spec, 7);
      Placeholder<TInt32> n = tf.placeholder(TInt32.class);
      Placeholder<TInt64> seed = tf.placeholder(TInt64.class);
      Operand<TFloat32> samples = flow.sample(tf, n, tf.constant(1.0f), seed);
      try (Session session = new Session(graph)) {
        session.initialize();
        for (String count : counts) {
          int rows = Integer.parseInt(count.trim());
          run(session, samples, n, seed, rows, 0, false).close(); // untimed: Grappler's first run
          List<Double> millis = new ArrayList<>();
          for (int i = 1; i <= calls; i++) {
            long start = System.nanoTime();
            run(session, samples, n, seed, rows, i, false).close();
            millis.add((System.nanoTime() - start) / 1e6);
          }
          Collections.sort(millis);
          double median = millis.get(millis.size() / 2);
          System.out.printf(Locale.ROOT, "%s, %d samples per call: median %.1f ms (min %.1f, max %.1f), %.0f "
              + "samples/s%n", model, rows, median, millis.get(0), millis.get(millis.size() - 1),
              rows * 1000 / median);
        }
        int rows = Integer.parseInt(counts[counts.length - 1].trim());
        try (Result traced = run(session, samples, n, seed, rows, 99, true)) {
          RunMetadata metadata = traced.getMetadata().orElseThrow();
          printByOpType(metadata.getStepStats());
        }
      }
    }
  }

  /**
   * The same calls through {@link Trainer#sample} after one training step with EMA (as {@code flows benchmark}
   * runs them): the averaged weights swapped in and out around every call.
   */
  private static void throughTrainer(String model, FlowSpec spec, String[] counts, int calls) {
    TrainingOptions options = TrainingOptions.builder().emaDecay(0.999).build();
    try (Trainer trainer = Trainer.create(spec, options)) {
      float[] batch = new float[32 * spec.inputShape().size()];
      java.util.Random random = new java.util.Random(3);
      for (int i = 0; i < batch.length; i++) {
        batch[i] = random.nextInt(256);
      }
      trainer.step(batch, 32);
      for (String count : counts) {
        int rows = Integer.parseInt(count.trim());
        trainer.sample(rows, 1.0, 0);
        List<Double> millis = new ArrayList<>();
        for (int i = 1; i <= calls; i++) {
          long start = System.nanoTime();
          trainer.sample(rows, 1.0, i);
          millis.add((System.nanoTime() - start) / 1e6);
        }
        Collections.sort(millis);
        double median = millis.get(millis.size() / 2);
        System.out.printf(Locale.ROOT, "%s through the trainer, %d samples per call: median %.1f ms (min %.1f, "
            + "max %.1f), %.0f samples/s%n", model, rows, median, millis.get(0), millis.get(millis.size() - 1),
            rows * 1000 / median);
      }
    }
  }

  private static Result run(Session session, Operand<TFloat32> samples, Placeholder<TInt32> n,
      Placeholder<TInt64> seed, int rows, long s, boolean trace) {
    try (TInt32 count = TInt32.scalarOf(rows); TInt64 seedValue = TInt64.vectorOf(s, 0)) {
      Session.Runner runner = session.runner().feed(n, count).feed(seed, seedValue).fetch(samples);
      if (trace) {
        runner.setOptions(RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build());
        return runner.runAndFetchMetadata();
      }
      return runner.run();
    }
  }

  private static void printByOpType(StepStats stats) {
    Map<String, long[]> byType = new HashMap<>();
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    long total = 0;
    for (var device : stats.getDevStatsList()) {
      for (NodeExecStats node : device.getNodeStatsList()) {
        String label = node.getTimelineLabel();
        int eq = label.indexOf(" = ");
        int paren = label.indexOf('(', Math.max(eq, 0));
        String type = eq >= 0 && paren > eq ? label.substring(eq + 3, paren) : node.getNodeName();
        long micros = node.getAllEndRelMicros();
        long[] sum = byType.computeIfAbsent(type, t -> new long[2]);
        sum[0] += micros;
        sum[1]++;
        total += micros;
        first = Math.min(first, node.getAllStartMicros());
        last = Math.max(last, node.getAllStartMicros() + micros);
      }
    }
    System.out.printf(Locale.ROOT, "traced call: %.1f ms from the first op's start to the last op's end, %.1f ms "
        + "summed over ops%n", (last - first) / 1e3, total / 1e3);
    byType.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(25)
        .forEach(e -> System.out.printf(Locale.ROOT, "  %-28s %8.2f ms in %6d runs%n", e.getKey(),
            e.getValue()[0] / 1e3, e.getValue()[1]));
  }
}
