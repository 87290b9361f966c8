package org.flows4j.tf;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.TFloat64;

/**
 * The full Jacobian of {@code y = f(x)} per example, one vector–Jacobian product per output dimension
 * ({@code tf.gradients} with a one-hot upstream gradient), and its {@code log|det|} by LU on the host. Examples
 * must not interact (true for every flow), so one gradient per output covers the whole batch.
 */
public final class BruteForceJacobian {
  private BruteForceJacobian() {}

  /**
   * Builds the gradient ops: element j of the result is {@code ∂(y·e_j)/∂x}, shape like x. {@code y} must be
   * {@code [batch, outDim]}.
   */
  public static List<Operand<TFloat64>> rows(Ops tf, Operand<TFloat64> y, Operand<TFloat64> x, int batch, int outDim) {
    List<Operand<TFloat64>> rows = new ArrayList<>();
    for (int j = 0; j < outDim; j++) {
      double[] oneHot = new double[batch * outDim];
      for (int b = 0; b < batch; b++) {
        oneHot[b * outDim + j] = 1;
      }
      Operand<TFloat64> dy = tf.constant(org.tensorflow.ndarray.Shape.of(batch, outDim),
          org.tensorflow.ndarray.buffer.DataBuffers.of(oneHot));
      Gradients gradients = tf.gradients(List.of(y), List.of(x), Gradients.dx(List.of(dy)));
      rows.add(gradients.<TFloat64>dy(0));
    }
    return rows;
  }

  /**
   * The same rows from one backward pass instead of {@code outDim}: {@code f} is applied to {@code outDim} copies of
   * {@code x} stacked along the batch (copy j holds examples {@code j·batch … j·batch + batch − 1}), and the upstream
   * gradient is {@code e_j} on copy j, so the gradient on copy j is row j of every example's Jacobian. The graph
   * then holds one forward and one backward pass, not {@code outDim} backward passes (with TensorFlow's default
   * session this halved the CPU time of StepConformanceTest and PresetConformanceTest, 256 s to 131 s). Valid only
   * when {@code f} treats every example alone and is deterministic: callers compare {@link Copies#outputs()} with
   * {@code f(x)} (see {@link #copiesAgree}) before trusting {@link Copies#rows()}.
   */
  public static Copies rowsFromCopies(
      Ops tf, UnaryOperator<Operand<TFloat64>> f, Operand<TFloat64> x, int batch, int outDim) {
    int rank = x.shape().numDimensions();
    long[] multiples = new long[rank];
    java.util.Arrays.fill(multiples, 1);
    multiples[0] = outDim;
    Operand<TFloat64> copies = tf.tile(x, tf.constant(multiples));
    Operand<TFloat64> y = tf.reshape(f.apply(copies), tf.constant(new int[] {outDim * batch, outDim}));
    double[] oneHot = new double[outDim * batch * outDim];
    for (int j = 0; j < outDim; j++) {
      for (int b = 0; b < batch; b++) {
        oneHot[(j * batch + b) * outDim + j] = 1;
      }
    }
    Operand<TFloat64> dy = tf.constant(org.tensorflow.ndarray.Shape.of(outDim * batch, outDim),
        org.tensorflow.ndarray.buffer.DataBuffers.of(oneHot));
    Gradients gradients = tf.gradients(List.of(y), List.of(copies), Gradients.dx(List.of(dy)));
    return new Copies(y, gradients.<TFloat64>dy(0));
  }

  /**
   * {@code f} on the stacked copies ({@code outputs}, {@code [outDim · batch, outDim]}) and the gradient on them
   * ({@code rows}, shaped like the copies).
   */
  public record Copies(Operand<TFloat64> outputs, Operand<TFloat64> rows) {
    /** The fetched {@link #rows()} split into {@code outDim} rows, each shaped like one of {@code rows(…)}. */
    public static List<double[]> split(double[] fetchedRows, int outDim) {
      int rowLength = fetchedRows.length / outDim;
      List<double[]> rows = new ArrayList<>();
      for (int j = 0; j < outDim; j++) {
        rows.add(java.util.Arrays.copyOfRange(fetchedRows, j * rowLength, (j + 1) * rowLength));
      }
      return rows;
    }
  }

  /**
   * Whether every copy's output equals {@code y} (fetched, {@code [batch, outDim]} flat) within {@code tolerance}
   * relative to {@code 1 + |y|}:
   * false for a stochastic step whose noise depends on the batch (dropout masks drawn per example), whose rows must
   * then come from {@code y} itself.
   */
  public static boolean copiesAgree(double[] fetchedOutputs, double[] y, double tolerance) {
    for (int i = 0; i < fetchedOutputs.length; i++) {
      double expected = y[i % y.length];
      if (!(Math.abs(fetchedOutputs[i] - expected) <= tolerance * (1 + Math.abs(expected)))) {
        return false;
      }
    }
    return true;
  }

  /** Assembles fetched rows into per-example matrices and returns {@code log|det J_b|} for each example b. */
  public static double[] logAbsDets(List<double[]> fetchedRows, int batch, int inDim) {
    int n = fetchedRows.size();
    if (n != inDim) {
      throw new IllegalArgumentException("Jacobian is " + n + "x" + inDim + ", not square");
    }
    double[] result = new double[batch];
    for (int b = 0; b < batch; b++) {
      double[][] jacobian = new double[n][inDim];
      for (int j = 0; j < n; j++) {
        System.arraycopy(fetchedRows.get(j), b * inDim, jacobian[j], 0, inDim);
      }
      result[b] = logAbsDet(jacobian);
    }
    return result;
  }

  /** {@code log|det m|} by Gaussian elimination with partial pivoting. */
  public static double logAbsDet(double[][] m) {
    int n = m.length;
    double[][] a = new double[n][];
    for (int i = 0; i < n; i++) {
      a[i] = m[i].clone();
    }
    double logDet = 0;
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int r = col + 1; r < n; r++) {
        if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
          pivot = r;
        }
      }
      double[] t = a[col];
      a[col] = a[pivot];
      a[pivot] = t;
      double p = a[col][col];
      if (p == 0) {
        return Double.NEGATIVE_INFINITY;
      }
      logDet += Math.log(Math.abs(p));
      for (int r = col + 1; r < n; r++) {
        double factor = a[r][col] / p;
        for (int c = col; c < n; c++) {
          a[r][c] -= factor * a[col][c];
        }
      }
    }
    return logDet;
  }
}
