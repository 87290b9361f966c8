package org.flows4j.tf;

import java.util.ArrayList;
import java.util.List;
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
