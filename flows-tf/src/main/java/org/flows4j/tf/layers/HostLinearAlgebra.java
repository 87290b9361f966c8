package org.flows4j.tf.layers;

import java.util.SplittableRandom;

/**
 * Small dense linear algebra on the host, for initial values only (a random rotation, its LU factors). Matrices
 * are {@code double[n][n]}, row-major.
 */
final class HostLinearAlgebra {
  private HostLinearAlgebra() {}

  /** A random orthogonal matrix: Gram–Schmidt on a Gaussian matrix, with re-orthogonalisation for stability. */
  static double[][] randomRotation(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] q = new double[n][n];
    for (int i = 0; i < n; i++) {
      double[] v = new double[n];
      for (int k = 0; k < n; k++) {
        v[k] = gaussian(random);
      }
      for (int pass = 0; pass < 2; pass++) {
        for (int j = 0; j < i; j++) {
          double dot = 0;
          for (int k = 0; k < n; k++) {
            dot += v[k] * q[j][k];
          }
          for (int k = 0; k < n; k++) {
            v[k] -= dot * q[j][k];
          }
        }
      }
      double norm = 0;
      for (int k = 0; k < n; k++) {
        norm += v[k] * v[k];
      }
      norm = Math.sqrt(norm);
      for (int k = 0; k < n; k++) {
        q[i][k] = v[k] / norm;
      }
    }
    return q;
  }

  /** A matrix of independent standard normal entries. */
  static double[][] gaussianMatrix(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    double[][] m = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        m[i][j] = gaussian(random);
      }
    }
    return m;
  }

  /** {@code a = p · l · u}: p a permutation, l unit lower triangular, u upper triangular (partial pivoting). */
  record Lu(double[][] p, double[][] l, double[][] u) {}

  static Lu lu(double[][] a) {
    int n = a.length;
    double[][] u = new double[n][];
    for (int i = 0; i < n; i++) {
      u[i] = a[i].clone();
    }
    double[][] l = new double[n][n];
    int[] rowOf = new int[n]; // rowOf[i] = original row now at position i
    for (int i = 0; i < n; i++) {
      rowOf[i] = i;
    }
    for (int col = 0; col < n; col++) {
      int pivot = col;
      for (int r = col + 1; r < n; r++) {
        if (Math.abs(u[r][col]) > Math.abs(u[pivot][col])) {
          pivot = r;
        }
      }
      swap(u, col, pivot);
      swap(l, col, pivot);
      int t = rowOf[col];
      rowOf[col] = rowOf[pivot];
      rowOf[pivot] = t;
      for (int r = col + 1; r < n; r++) {
        double factor = u[r][col] / u[col][col];
        l[r][col] = factor;
        for (int c = col; c < n; c++) {
          u[r][c] -= factor * u[col][c];
        }
      }
    }
    for (int i = 0; i < n; i++) {
      l[i][i] = 1.0;
    }
    // Row i of (l·u) is row rowOf[i] of a, so a = p · l · u with p[rowOf[i]][i] = 1.
    double[][] p = new double[n][n];
    for (int i = 0; i < n; i++) {
      p[rowOf[i]][i] = 1.0;
    }
    return new Lu(p, l, u);
  }

  /** The n×n identity, row-major. */
  static double[] identity(int n) {
    double[] eye = new double[n * n];
    for (int i = 0; i < n; i++) {
      eye[i * n + i] = 1;
    }
    return eye;
  }

  /** 1 strictly above the diagonal (column > row), 0 elsewhere, row-major. */
  static double[] strictUpperMask(int n) {
    double[] mask = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        mask[i * n + j] = 1;
      }
    }
    return mask;
  }

  /** 1 strictly below the diagonal (column < row), 0 elsewhere, row-major. */
  static double[] strictLowerMask(int n) {
    double[] mask = new double[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < i; j++) {
        mask[i * n + j] = 1;
      }
    }
    return mask;
  }

  static double[] flatten(double[][] m) {
    int n = m.length;
    double[] flat = new double[n * n];
    for (int i = 0; i < n; i++) {
      System.arraycopy(m[i], 0, flat, i * n, n);
    }
    return flat;
  }

  private static void swap(double[][] m, int i, int j) {
    double[] t = m[i];
    m[i] = m[j];
    m[j] = t;
  }

  /** A standard normal draw from {@code random} (also the host-drawn initial values of {@link Parameters}). */
  static double gaussian(SplittableRandom random) {
    // Box–Muller; SplittableRandom has no nextGaussian in Java 17.
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
