package org.flows4j.tf.training;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.Flows;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.data.ToyDensity;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Not a test: where a deep Residual Flow's start-up time goes (Java op construction, {@code tf.gradients}, the rest
 * of the trainer's graph, session creation, initialisation, and each first run, in which TensorFlow optimises the
 * pruned graph with Grappler before running it). Run with the test class path:
 * {@code java -cp … org.flows4j.tf.training.StartupBreakdown toy 100 default}; the third argument picks a
 * {@link SessionTuning} for A/B runs: {@code default} (TensorFlow's own), {@code trainer} (the trainer's own options
 * for a graph of block functions, {@code SessionConfigs}), {@code off} (no Grappler), {@code one}
 * (one meta-optimizer iteration) or a comma-separated list of passes to turn off ({@code noconst,noremap,nomem…}).
 * The first argument is {@code toy}, {@code toybp} (5-term series, backprop), {@code image<width>} or {@code mnist}
 * (the paper's MNIST model, the second argument its blocks per scale).
 */
public final class StartupBreakdown {
  private StartupBreakdown() {}

  public static void main(String[] args) throws Exception {
    String config = args[0];
    int blocks = Integer.parseInt(args[1]);
    String tuning = args.length > 2 ? args[2] : "default";
    long t0 = System.nanoTime();
    FlowSpec spec;
    int batch;
    switch (config) {
      case "toy" -> {
        spec = Presets.residualFlow(Shape.of(2)).blocks(blocks).width(128).build();
        batch = 500;
      }
      case "toybp" -> {
        SpectralNormalization toy = new SpectralNormalization(0.9, 1e-3, 5);
        spec = Flows.sequential(Shape.of(2)).steps(blocks, s -> s.residualBlock(b -> b
            .lipschitzMlp(128, 128, 128, 128).spectralNormalization(toy).logDet(LogDet.truncatedSeries(5))
            .evaluationLogDet(LogDet.exact()))).build();
        batch = 500;
      }
      case "mnist" -> {
        // The paper's MNIST model (train_img.py's defaults): blocks-blocks-blocks conv blocks of width 512, 4 fc.
        spec = Presets.residualFlow(Shape.of(28, 28, 1)).blocks(blocks).width(512).fcWidth(128).build();
        batch = 64;
      }
      default -> {
        spec = Presets.residualFlow(Shape.of(28, 28, 1)).blocks(blocks).width(Integer.parseInt(config.substring(5))).build();
        batch = 32;
      }
    }
    TrainingOptions options = TrainingOptions.builder().seed(1).build();
    long l0 = System.nanoTime();
    org.tensorflow.TensorFlow.version();
    long l1 = System.nanoTime();
    org.flows4j.tf.gradients.GradientRegistry.ensureRegistered();
    long l2 = System.nanoTime();
    System.out.printf("spec %.2f s, native load %.2f s, gradient registry %.2f s%n",
        (l0 - t0) / 1e9, (l1 - l0) / 1e9, (l2 - l1) / 1e9);
    ConfigProto proto = config(tuning);
    try (Graph probe = new Graph()) {
      long p0 = System.nanoTime();
      org.tensorflow.op.Ops ptf = org.tensorflow.op.Ops.create(probe);
      var model = org.flows4j.tf.FlowCompiler.compileModel(ptf, spec, 1);
      long p1 = System.nanoTime();
      var x = ptf.placeholder(TFloat32.class);
      var logProb = model.logProb(ptf, x, ptf.placeholder(TInt64.class));
      long p2 = System.nanoTime();
      var loss = ptf.math.neg(ptf.math.mean(logProb, ptf.constant(0)));
      org.flows4j.tf.gradients.SafeGradients.gradientsOrZeros(ptf, loss, model.trainableVariables());
      long p3 = System.nanoTime();
      System.out.printf("alone: compile (variables) %.2f s, training forward %.2f s, gradients %.2f s%n",
          (p1 - p0) / 1e9, (p2 - p1) / 1e9, (p3 - p2) / 1e9);
    }
    long a = System.nanoTime();
    TrainingGraph g = new TrainingGraph(spec, options);
    long b = System.nanoTime();
    long ops = 0;
    for (var it = g.graph.operations(); it.hasNext(); it.next()) {
      ops++;
    }
    if (System.getenv("OP_HISTOGRAM") != null) {
      java.util.Map<String, Integer> byType = new java.util.TreeMap<>();
      java.util.Map<String, Integer> byScope = new java.util.TreeMap<>();
      for (var it = g.graph.operations(); it.hasNext(); ) {
        var op = it.next();
        byType.merge(op.type(), 1, Integer::sum);
        String name = op.name().replaceAll("[0-9]+", "#");
        int slash = name.indexOf('/');
        byScope.merge(slash < 0 ? name : name.substring(0, Math.min(name.length(), slash)), 1, Integer::sum);
      }
      String dump = System.getenv("OP_DUMP"); // an op type: print each such op with its inputs' ops
      if (dump != null) {
        for (var it = g.graph.operations(); it.hasNext(); ) {
          var op = it.next();
          if (op.type().equals(dump)) {
            StringBuilder inputs = new StringBuilder();
            for (int i = 0; i < op.numInputs(); i++) {
              inputs.append(' ').append(op.input(i).op().type()).append(':').append(op.input(i).op().name());
            }
            System.out.println("OP " + op.name() + " <-" + inputs);
          }
        }
      }
      byType.forEach((k, v) -> System.out.println("TYPE " + k + " " + v));
      byScope.forEach((k, v) -> System.out.println("SCOPE " + k + " " + v));
    }
    var library = g.graph.toGraphDef().getLibrary();
    long functionNodes = 0;
    for (var function : library.getFunctionList()) {
      functionNodes += function.getNodeDefCount();
    }
    System.out.printf("graph build %.2f s (%d ops; %d functions with %d ops)%n", (b - a) / 1e9, ops,
        library.getFunctionCount(), functionNodes);
    try (Graph graph = g.graph; Session session = new Session(graph, proto)) {
      long c = System.nanoTime();
      System.out.printf("session create %.2f s%n", (c - b) / 1e9);
      session.initialize();
      long d = System.nanoTime();
      System.out.printf("initialize %.2f s%n", (d - c) / 1e9);
      session.run(g.normalize);
      long e = System.nanoTime();
      System.out.printf("thorough normalize (first run) %.2f s%n", (e - d) / 1e9);
      session.run(g.normalize);
      long e2 = System.nanoTime();
      System.out.printf("thorough normalize (second run) %.2f s%n", (e2 - e) / 1e9);
      e = e2;
      float[] data = data(config, spec.inputShape(), batch);
      try (TFloat32 x = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(TrainingGraph.batchDims(
              spec.inputShape(), batch)), org.tensorflow.ndarray.buffer.DataBuffers.of(data, true, false));
          TInt64 seed = HostTensors.seed(7)) {
        session.runner().feed(g.data, x).feed(g.noiseSeed, seed).feed(g.flow.randomSeed(), seed)
            .addTarget(g.dataInitialization()).run().close();
        long f = System.nanoTime();
        System.out.printf("data init (first run) %.2f s%n", (f - e) / 1e9);
        int steps = Integer.getInteger("steps", 3);
        double later = 0;
        for (int i = 0; i < steps; i++) {
          long s = System.nanoTime();
          session.runner().feed(g.data, x).feed(g.noiseSeed, seed).feed(g.flow.randomSeed(), seed)
              .fetch(g.stepNll).addTarget(g.accumulate).run().close();
          long m = System.nanoTime();
          session.runner().fetch(g.gradientNorm).addTarget(g.apply).run().close();
          long n = System.nanoTime();
          // Monotonic clock readings, for matching against `perf record -k CLOCK_MONOTONIC` (perf report --time).
          System.out.printf("step %d: accumulate %.2f s, apply %.2f s (monotonic %.3f-%.3f)%n", i, (m - s) / 1e9,
              (n - m) / 1e9, s / 1e9, n / 1e9);
          later += i > 0 ? (n - s) / 1e9 : 0;
        }
        if (steps > 1) {
          System.out.printf("later steps: %.3f s/step (mean of %d)%n", later / (steps - 1), steps - 1);
        }
      }
    }
    System.out.printf("total %.2f s%n", (System.nanoTime() - t0) / 1e9);
  }

  private static ConfigProto config(String tuning) {
    // "trainer": the options a trainer whose graph calls block functions runs with.
    return tuning.equals("trainer") ? SessionConfigs.training(TrainingOptions.builder().build(), true)
        : SessionTuning.parse(tuning);
  }

  private static float[] data(String config, Shape shape, int batch) {
    if (config.startsWith("toy")) {
      return ToyDensity.EIGHT_GAUSSIANS.sampleFlat(batch, new SplittableRandom(0));
    }
    SplittableRandom random = new SplittableRandom(0);
    float[] values = new float[batch * shape.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextInt(256);
    }
    return values;
  }

  /** Session configurations to compare. */
  static final class SessionTuning {
    private SessionTuning() {}

    static ConfigProto parse(String name) {
      var rewrite = org.tensorflow.proto.RewriterConfig.newBuilder();
      var off = org.tensorflow.proto.RewriterConfig.Toggle.OFF;
      List<String> parts = new ArrayList<>(List.of(name.split(",")));
      for (String part : parts) {
        switch (part) {
          case "default" -> { }
          case "off" -> rewrite.setDisableMetaOptimizer(true);
          case "one" -> rewrite.setMetaOptimizerIterations(org.tensorflow.proto.RewriterConfig.NumIterationsType.ONE);
          case "noconst" -> rewrite.setConstantFolding(off);
          case "noarith" -> rewrite.setArithmeticOptimization(off);
          case "noremap" -> rewrite.setRemapping(off);
          case "nolayout" -> rewrite.setLayoutOptimizer(off);
          case "nodep" -> rewrite.setDependencyOptimization(off);
          case "noloop" -> rewrite.setLoopOptimization(off);
          case "nofunc" -> rewrite.setFunctionOptimization(off);
          case "noshape" -> rewrite.setShapeOptimization(off);
          case "nocse" -> rewrite.setCommonSubgraphElimination(off);
          case "nomem" -> rewrite.setMemoryOptimization(org.tensorflow.proto.RewriterConfig.MemOptType.NO_MEM_OPT);
          case "noimpl" -> rewrite.setImplementationSelector(off);
          case "nopin" -> rewrite.setPinToHostOptimization(off);
          case "nodbg" -> rewrite.setDebugStripper(off);
          case "noscoped" -> rewrite.setScopedAllocatorOptimization(off);
          case "timeout" -> rewrite.setMetaOptimizerTimeoutMs(2000);
          default -> throw new IllegalArgumentException(part);
        }
      }
      return ConfigProto.newBuilder().setGraphOptions(
          org.tensorflow.proto.GraphOptions.newBuilder().setRewriteOptions(rewrite)).build();
    }
  }
}
