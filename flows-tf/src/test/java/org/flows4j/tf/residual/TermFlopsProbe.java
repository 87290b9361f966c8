package org.flows4j.tf.residual;

import java.util.Arrays;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Not a test: a lower bound on one log-det series term of the benchmark's conv block (width 512 on 28×28×1, batch
 * 16) in float32 on this machine. A term is one vector–Jacobian product of the branch 3×3 (1 → 512), 1×1
 * (512 → 512), 3×3 (512 → 1): its 1×1 part alone is a {@code [16·784, 512] × [512, 512]} matrix product, 6.58 GFLOP,
 * against 0.23 GFLOP for both 3×3 maps. This times that product as TensorFlow runs it (oneDNN's f32 GEMM), the
 * median of 30 runs after 5 untimed, and prints the GFLOP/s and the seconds the product alone takes per term. Run
 * with the test class path: {@code java -cp … org.flows4j.tf.residual.TermFlopsProbe}.
 */
public final class TermFlopsProbe {
  private TermFlopsProbe() {}

  public static void main(String[] args) {
    int rows = 16 * 28 * 28;
    int width = 512;
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> x = tf.random.statelessRandomNormal(tf.constant(new long[] {rows, width}),
          tf.constant(new long[] {1, 2}), TFloat32.class);
      Operand<TFloat32> w = tf.random.statelessRandomNormal(tf.constant(new long[] {width, width}),
          tf.constant(new long[] {3, 4}), TFloat32.class);
      // Variables hold the operands, so each run times the product and not the random draws.
      var xv = tf.variable(x);
      var wv = tf.variable(w);
      Operand<TFloat32> product = tf.reduceSum(tf.linalg.matMul(xv, wv), tf.constant(new int[] {0, 1}));
      try (Session session = new Session(graph)) {
        session.initialize();
        double[] seconds = new double[30];
        for (int i = -5; i < seconds.length; i++) {
          long t0 = System.nanoTime();
          session.runner().fetch(product).run().close();
          if (i >= 0) {
            seconds[i] = (System.nanoTime() - t0) / 1e9;
          }
        }
        Arrays.sort(seconds);
        double median = seconds[seconds.length / 2];
        double flops = 2.0 * rows * width * width;
        System.out.printf("[%d, %d] x [%d, %d] f32: median %.4f s (min %.4f), %.0f GFLOP/s; "
            + "a term's 1x1 product alone: %.4f s%n", rows, width, width, width, median, seconds[0],
            flops / median / 1e9, median);
      }
    }
  }
}
