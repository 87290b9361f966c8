package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.step.Conv1x1;
import org.junit.jupiter.api.Test;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat64;

/**
 * Reduced-temperature sampling (Glow): the base's spread is scaled by T, so latents of samples have standard
 * deviation T, and a linear flow's samples have covariance T²·Σ with Σ the model's covariance. Float64, 40 000
 * samples: the standard error of a standard deviation is then 1/√(2n) ≈ 0.35 % and of a covariance entry at most
 * √(2/n)·scale ≈ 0.7 %; the tolerances (2 % and 4 %) are over five standard errors, while ignoring T misses by 44 %
 * or more at the temperatures used.
 */
class TemperatureTest {
  private static final int N = 40_000;

  @Test
  void latentsOfSamplesHaveStandardDeviationT() {
    FlowSpec spec = Presets.realNvp(Shape.of(2)).couplings(4).width(16).build();
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 3);
      var temperature = g.tf.placeholder(TFloat64.class);
      Operand<TFloat64> samples = flow.sample(g.tf, g.tf.constant(N), temperature, g.tf.constant(new long[] {4, 5}));
      Operand<TFloat64> latents = flow.forwardAndLogDet(g.tf, samples, FlowMode.EVALUATION).value();
      g.session();
      g.perturb(flow.trainableVariables(), 0.3, 11); // away from the identity the fresh couplings start as
      for (double t : new double[] {0.5, 1.0, 1.8}) {
        try (TFloat64 feed = TFloat64.scalarOf(t)) {
          double[] z = g.fetch(latents, Map.of(temperature, feed));
          double[] x = g.fetch(samples, Map.of(temperature, feed));
          for (int d = 0; d < 2; d++) {
            double[] moments = moments(z, 2, d);
            System.out.printf("T = %.1f, latent %d: mean %.4f, std %.4f (data std %.4f)%n",
                t, d, moments[0], Math.sqrt(moments[1]), Math.sqrt(moments(x, 2, d)[1]));
            assertThat(moments[0]).as("latent mean").isCloseTo(0, within(0.02 * t));
            assertThat(Math.sqrt(moments[1])).as("latent std at T = %s", t).isCloseTo(t, within(0.02 * t));
          }
        }
      }
    }
  }

  /**
   * ActNorm, LU 1×1 and ActNorm on 3-vectors, perturbed: {@code z = A x + b}, so {@code x ~ N(-A⁻¹b, (AᵀA)⁻¹)}.
   * A is read off the forward map ({@code A e_i = f(e_i) - f(0)}, exact in float64).
   */
  @Test
  void linearFlowSamplesHaveTSquaredTimesTheModelCovariance() {
    int dim = 3;
    FlowSpec spec = Flows.sequential(Shape.of(dim))
        .steps(1, step -> step.actNorm().invertibleConv1x1(Conv1x1.LU_DECOMPOSED).actNorm())
        .build();
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 5);
      var temperature = g.tf.placeholder(TFloat64.class);
      Operand<TFloat64> samples = flow.sample(g.tf, g.tf.constant(N), temperature, g.tf.constant(new long[] {6, 7}));
      double[] basis = new double[(dim + 1) * dim];
      for (int i = 0; i < dim; i++) {
        basis[(i + 1) * dim + i] = 1;
      }
      Operand<TFloat64> images = flow.forwardAndLogDet(g.tf,
          g.tf.constant(org.tensorflow.ndarray.StdArrays.ndCopyOf(reshape(basis, dim + 1, dim)))).value();
      g.session();
      g.perturb(flow.trainableVariables(), 0.4, 12);
      double[] f = g.fetch(images, Map.of());
      double[][] a = new double[dim][dim];
      for (int r = 0; r < dim; r++) {
        for (int c = 0; c < dim; c++) {
          a[r][c] = f[(c + 1) * dim + r] - f[r];
        }
      }
      double[][] model = inverse(multiply(transpose(a), a));
      for (double t : new double[] {0.6, 1.0}) {
        try (TFloat64 feed = TFloat64.scalarOf(t)) {
          double[] x = g.fetch(samples, Map.of(temperature, feed));
          double worst = 0;
          for (int i = 0; i < dim; i++) {
            for (int j = 0; j < dim; j++) {
              double expected = t * t * model[i][j];
              double scale = t * t * Math.sqrt(model[i][i] * model[j][j]);
              worst = Math.max(worst, Math.abs(covariance(x, dim, i, j) - expected) / scale);
            }
          }
          System.out.printf("T = %.1f: worst |cov - T²Σ| / (T²·√(Σii·Σjj)) = %.4f%n", t, worst);
          assertThat(worst).as("covariance at T = %s", t).isLessThan(0.04);
        }
      }
    }
  }

  private static double[] moments(double[] flat, int dim, int d) {
    int n = flat.length / dim;
    double mean = 0;
    for (int i = 0; i < n; i++) {
      mean += flat[i * dim + d] / n;
    }
    double variance = 0;
    for (int i = 0; i < n; i++) {
      double e = flat[i * dim + d] - mean;
      variance += e * e / n;
    }
    return new double[] {mean, variance};
  }

  private static double covariance(double[] flat, int dim, int a, int b) {
    int n = flat.length / dim;
    double ma = moments(flat, dim, a)[0];
    double mb = moments(flat, dim, b)[0];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += (flat[i * dim + a] - ma) * (flat[i * dim + b] - mb);
    }
    return sum / n;
  }

  private static double[][] reshape(double[] flat, int rows, int cols) {
    double[][] m = new double[rows][cols];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(flat, r * cols, m[r], 0, cols);
    }
    return m;
  }

  private static double[][] transpose(double[][] m) {
    double[][] t = new double[m[0].length][m.length];
    for (int r = 0; r < m.length; r++) {
      for (int c = 0; c < m[0].length; c++) {
        t[c][r] = m[r][c];
      }
    }
    return t;
  }

  private static double[][] multiply(double[][] a, double[][] b) {
    double[][] p = new double[a.length][b[0].length];
    for (int r = 0; r < a.length; r++) {
      for (int c = 0; c < b[0].length; c++) {
        for (int k = 0; k < b.length; k++) {
          p[r][c] += a[r][k] * b[k][c];
        }
      }
    }
    return p;
  }

  /** Gauss–Jordan with partial pivoting (small, well-conditioned matrices). */
  private static double[][] inverse(double[][] m) {
    int n = m.length;
    double[][] w = new double[n][2 * n];
    for (int r = 0; r < n; r++) {
      System.arraycopy(m[r], 0, w[r], 0, n);
      w[r][n + r] = 1;
    }
    for (int c = 0; c < n; c++) {
      int pivot = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(w[r][c]) > Math.abs(w[pivot][c])) {
          pivot = r;
        }
      }
      double[] swap = w[c];
      w[c] = w[pivot];
      w[pivot] = swap;
      double p = w[c][c];
      for (int k = 0; k < 2 * n; k++) {
        w[c][k] /= p;
      }
      for (int r = 0; r < n; r++) {
        if (r != c) {
          double factor = w[r][c];
          for (int k = 0; k < 2 * n; k++) {
            w[r][k] -= factor * w[c][k];
          }
        }
      }
    }
    double[][] inv = new double[n][n];
    for (int r = 0; r < n; r++) {
      System.arraycopy(w[r], n, inv[r], 0, n);
    }
    return inv;
  }
}
