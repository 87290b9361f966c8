package org.flows4j.tf.residual;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.layers.Parameters;
import org.flows4j.tf.layers.Tensors;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Not a test: one conv block's maps (3×3 c → width, 1×1 width → width, 3×3 width → c, float32) refreshed thoroughly
 * as the paper's MNIST model's first refresh does, by the power method or by Lanczos bidiagonalisation for the 3×3
 * maps, printing the time of a cold (random start) and a warm (converged start) refresh and each map's σ. Run with the
 * test class path: {@code java -cp … org.flows4j.tf.residual.ThoroughRefreshProbe 28 1 512 [power|lanczos]};
 * {@code -Diterations=N} caps the steps (default: the thorough refresh's 10 × maxIterations), {@code -Dnograppler=true}
 * runs without Grappler (as the trainer does for Residual Flows). It ends with the process' resident memory from
 * {@code /proc/self/status} (peak, anonymous, file-backed).
 */
public final class ThoroughRefreshProbe {
  private ThoroughRefreshProbe() {}

  public static void main(String[] args) {
    int size = Integer.parseInt(args[0]);
    int channels = Integer.parseInt(args[1]);
    int width = Integer.parseInt(args[2]);
    boolean lanczos = args.length < 4 || args[3].equals("lanczos");
    SpectralNormalization defaults = SpectralNormalization.defaults();
    int iterations = Integer.getInteger("iterations", defaults.maxIterations() * 10);
    double tolerance = defaults.tolerance() / 100;
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Parameters<TFloat32> parameters = new Parameters<>(TFloat32.class, 7);
      List<SpectralLinear<TFloat32>> maps = List.of(
          new ConvSpectralLinear<>(tf, defaults, parameters.in("a"), 3, channels, width, size, size),
          new PointwiseConvSpectralLinear<>(tf, defaults, parameters.in("b"), width, width),
          new ConvSpectralLinear<>(tf, defaults, parameters.in("c"), 3, width, channels, size, size));
      List<Op> updates = new ArrayList<>();
      List<SpectralLinear<TFloat32>> powered = new ArrayList<>();
      for (SpectralLinear<TFloat32> map : maps) {
        if (lanczos && map.bidiagonalizesWhenThorough(iterations)) {
          updates.add(map.refreshByBidiagonalization(tf, iterations, tolerance));
        } else {
          powered.add(map);
        }
      }
      if (!powered.isEmpty()) {
        updates.add(SpectralLinear.powerIterationTogether(tf, powered, iterations, tolerance));
      }
      Op refresh = tf.withControlDependencies(updates).noOp();
      List<Op> resets = new ArrayList<>();
      for (SpectralLinear<TFloat32> map : maps) {
        for (var vector : List.of(map.u, map.v)) {
          var normal = tf.random.randomStandardNormal(tf.constant(vector.shape().asArray()), TFloat32.class);
          resets.add(tf.assign(vector, tf.math.div(normal, tf.math.sqrt(Tensors.sumAll(tf, tf.math.square(normal))))));
        }
      }
      Op reset = tf.withControlDependencies(resets).noOp();
      var config = org.tensorflow.proto.ConfigProto.newBuilder().setGraphOptions(org.tensorflow.proto.GraphOptions
          .newBuilder().setRewriteOptions(org.tensorflow.proto.RewriterConfig.newBuilder()
              .setDisableMetaOptimizer(Boolean.getBoolean("nograppler")))).build();
      try (Session session = new Session(graph, config)) {
        session.initialize();
        session.run(refresh); // the first run also pays for TensorFlow's set-up
        for (String start : List.of("cold", "warm", "cold", "warm")) {
          if (start.equals("cold")) {
            session.run(reset);
          }
          long t0 = System.nanoTime();
          session.run(refresh);
          long t1 = System.nanoTime();
          StringBuilder line = new StringBuilder(String.format("%s %s refresh %.1f ms, σ:",
              lanczos ? "lanczos" : "power", start, (t1 - t0) / 1e6));
          for (SpectralLinear<TFloat32> map : maps) {
            try (Result r = session.runner().fetch(map.sigmaEstimate(tf)).run()) {
              line.append(' ').append(HostTensors.toDouble(r.get(0)));
            }
          }
          System.out.println(line);
        }
        try {
          for (String status : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (status.startsWith("Rss") || status.startsWith("VmHWM")) {
              System.out.println(status.replaceAll("\\s+", " "));
            }
          }
        } catch (java.io.IOException e) {
          // not on Linux
        }
      }
    }
  }
}
