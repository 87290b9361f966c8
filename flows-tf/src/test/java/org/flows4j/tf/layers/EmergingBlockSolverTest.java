package org.flows4j.tf.layers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.tf.FlowChecks;
import org.flows4j.tf.GraphFixture;
import org.flows4j.tf.HostTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat64;

/**
 * The block back-substitution of the emerging convolution's inverse, on its own: every blocking (one block, several
 * blocks with padding, one pixel per block, and the while-loop path beyond the unrolled sweeps) solves
 * {@code conv(x, F) = z} exactly in float64, and the preset's sizes get the blockings the javadoc states.
 */
class EmergingBlockSolverTest {
  @Test
  void thePresetsSizesTakeThreeSweepsPerFactor() {
    assertThat(EmergingBlockSolver.blocking(14, 14, 4, EmergingBlockSolver.MAX_BLOCK_VALUES))
        .isEqualTo(new EmergingBlockSolver.Blocking(7, 2, 2));
    assertThat(EmergingBlockSolver.blocking(7, 7, 8, EmergingBlockSolver.MAX_BLOCK_VALUES))
        .isEqualTo(new EmergingBlockSolver.Blocking(4, 2, 2));
    // A single block when the whole image fits; a pixel per block when one pixel's channels already fill a block.
    assertThat(EmergingBlockSolver.blocking(8, 8, 2, 256)).isEqualTo(new EmergingBlockSolver.Blocking(8, 1, 1));
    assertThat(EmergingBlockSolver.blocking(5, 3, 300, 256)).isEqualTo(new EmergingBlockSolver.Blocking(1, 5, 3));
  }

  /**
   * A sweep reads only the edges of the neighbouring blocks that a 3×3 tap reaches, (2B + 1)·c values: 60 of the
   * 3·196 at 14×14×4 (7×7 blocks), 72 of the 3·128 at 7×7×8 (4×4 blocks); the operator is M⁻¹ on top of their rows.
   */
  @Test
  void theOperatorHasARowPerEdgeValueANeighbourContributes() {
    assertThat(new EmergingBlockSolver<>(14, 14, 4, 256, TFloat64.class).operatorRows(3)).isEqualTo(196 + 60);
    assertThat(new EmergingBlockSolver<>(7, 7, 8, 256, TFloat64.class).operatorRows(3)).isEqualTo(128 + 72);
    // 5×5 taps reach two rows and columns back: (2·2·7 + 2²)·3 values of 7×7×3 blocks.
    assertThat(new EmergingBlockSolver<>(20, 12, 3, 256, TFloat64.class).operatorRows(5)).isEqualTo(147 + 96);
  }

  /**
   * A random filter in the solver's canonical form (up-left taps, upper-triangular centre with diagonal of magnitude
   * 0.5 to 1.5, off-diagonal weights N(0, 0.2²)), a random x, z = conv(x, F): the solve must give x back.
   */
  @ParameterizedTest(name = "k = {0} on [{1}, {2}, {3}], blocks of at most {4} values")
  @CsvSource({
      "3, 8, 8, 2, 256",    // one block
      "3, 16, 16, 2, 256",  // 2×2 blocks of 8×8
      "5, 20, 12, 3, 256",  // 3×2 blocks of 7×7, padded to 21×14
      "3, 7, 5, 2, 18",     // 3×3 blocks: 3×2 of them, padded
      "3, 6, 5, 2, 2",      // a pixel per block: 10 sweeps, in the while loop
      "5, 9, 4, 1, 1"})     // the same with the 5×5 kernel: 12 sweeps
  void solvesExactlyForEveryBlocking(int k, int h, int w, int c, int maxValues) {
    try (GraphFixture g = new GraphFixture()) {
      double[] filterValues = canonicalFilter(k, c, 11);
      Operand<TFloat64> filter = g.tf.constant(org.tensorflow.ndarray.Shape.of(k, k, c, c),
          org.tensorflow.ndarray.buffer.DataBuffers.of(filterValues));
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class);
      Operand<TFloat64> z = g.tf.nn.conv2d(x, filter, List.of(1L, 1L, 1L, 1L), "SAME");
      EmergingBlockSolver<TFloat64> solver = new EmergingBlockSolver<>(h, w, c, maxValues, TFloat64.class);
      Operand<TFloat64> solved = solver.solve(g.tf, z, filter);
      int batch = 3;
      double[] x0 = new double[batch * h * w * c];
      SplittableRandom random = new SplittableRandom(5);
      for (int i = 0; i < x0.length; i++) {
        x0[i] = random.nextGaussian();
      }
      double[] back = g.fetch(solved, Map.of(x, HostTensors.of(TFloat64.class, x0, new long[] {batch, h, w, c})));
      double error = FlowChecks.maxAbsDiff(back, x0);
      System.out.printf("block solve k = %d on [%d, %d, %d], %s: max |x − solve(conv(x))| = %.3g%n", k, h, w, c,
          solver.blocking(), error);
      assertThat(error).isLessThan(1e-10);
    }
  }

  /**
   * The frames the emerging layer uses: z = conv(x, F) for F the canonical filter with its channels reversed (the
   * second factor) or turned by 180° (the first), solved on the image as it is with the canonical filter's operator
   * in that frame (the permutation folded into the operator and the order of the sweeps, padding at the top left
   * when turned): x must come back exactly, for every blocking.
   */
  @ParameterizedTest(name = "{5}: k = {0} on [{1}, {2}, {3}], blocks of at most {4} values")
  @CsvSource({
      "3, 8, 8, 2, 256, CHANNELS_REVERSED", "3, 8, 8, 2, 256, TURNED",
      "3, 16, 16, 2, 256, CHANNELS_REVERSED", "3, 16, 16, 2, 256, TURNED",
      "5, 20, 12, 3, 256, CHANNELS_REVERSED", "5, 20, 12, 3, 256, TURNED",
      "3, 7, 5, 2, 18, CHANNELS_REVERSED", "3, 7, 5, 2, 18, TURNED",
      "3, 6, 5, 2, 2, CHANNELS_REVERSED", "3, 6, 5, 2, 2, TURNED",
      "3, 14, 14, 4, 256, TURNED", "3, 7, 7, 8, 256, CHANNELS_REVERSED"})
  void solvesEveryFrameWithoutPermutingTheImage(int k, int h, int w, int c, int maxValues,
      EmergingBlockSolver.Frame frame) {
    try (GraphFixture g = new GraphFixture()) {
      Operand<TFloat64> canonical = g.tf.constant(org.tensorflow.ndarray.Shape.of(k, k, c, c),
          org.tensorflow.ndarray.buffer.DataBuffers.of(canonicalFilter(k, c, 23)));
      Operand<TFloat64> filter = g.tf.reverse(canonical,
          g.tf.constant(frame == EmergingBlockSolver.Frame.TURNED ? new int[] {0, 1} : new int[] {2, 3}));
      Placeholder<TFloat64> x = g.tf.placeholder(TFloat64.class);
      Operand<TFloat64> z = g.tf.nn.conv2d(x, filter, List.of(1L, 1L, 1L, 1L), "SAME");
      EmergingBlockSolver<TFloat64> solver = new EmergingBlockSolver<>(h, w, c, maxValues, TFloat64.class);
      Operand<TFloat64> solved = solver.solveWith(g.tf, z, solver.operator(g.tf, canonical, k, frame), k, frame);
      int batch = 2;
      double[] x0 = new double[batch * h * w * c];
      SplittableRandom random = new SplittableRandom(9);
      for (int i = 0; i < x0.length; i++) {
        x0[i] = random.nextGaussian();
      }
      double[] back = g.fetch(solved, Map.of(x, HostTensors.of(TFloat64.class, x0, new long[] {batch, h, w, c})));
      double error = FlowChecks.maxAbsDiff(back, x0);
      System.out.printf("block solve, %s frame, k = %d on [%d, %d, %d], %s: max |x − solve(conv(x))| = %.3g%n",
          frame, k, h, w, c, solver.blocking(), error);
      assertThat(error).isLessThan(1e-10);
    }
  }

  private static double[] canonicalFilter(int k, int c, long seed) {
    int l = (k - 1) / 2;
    SplittableRandom random = new SplittableRandom(seed);
    double[] values = new double[k * k * c * c];
    for (int a = 0; a <= l; a++) {
      for (int b = 0; b <= l; b++) {
        for (int i = 0; i < c; i++) {
          for (int o = 0; o < c; o++) {
            boolean centre = a == l && b == l;
            if (centre && i > o) {
              continue;
            }
            double value = 0.2 * random.nextGaussian();
            if (centre && i == o) {
              value = (random.nextBoolean() ? 1 : -1) * random.nextDouble(0.5, 1.5);
            }
            values[EmergingConvLayer.index(a, b, i, o, k, c)] = value;
          }
        }
      }
    }
    return values;
  }
}
