package org.flows4j.tf.layers;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.graph.WhileLoop;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.TriangularSolve;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Solves {@code conv(x, F) = z} ("SAME" zero padding, NHWC) for one factor of an emerging convolution, by block
 * back-substitution: the exact inverse, in a handful of dense matrix products instead of one loop iteration per
 * pixel or per anti-diagonal.
 *
 * <p>The solver takes the factor in one canonical form: F reads only the pixels up and to the left of the output
 * (taps at rows and columns ≤ the centre), and its centre tap {@code C[i, o] = F[l, l, i, o]} is upper triangular
 * ({@code i ≤ o}). {@link EmergingConvLayer} brings both of its factors to this form by reversing the image (F₁)
 * or the channels (F₂), which are exact permutations.
 *
 * <p>The image, padded with zeros at the bottom and the right to whole blocks (F reads nothing there, so the real
 * pixels' equations are unchanged), is cut into {@code B×B} blocks of {@code m = B²·c} values, ordered as
 * {@code SpaceToDepth} orders them (row, column, channel). Within a block, the factor is the {@code m×m} matrix M
 * of the convolution restricted to the block: its rows are the responses to the unit images of a {@code B×B}
 * block, read off one convolution of the m unit images. M is the same for every block (the convolution is
 * translation-invariant and a block's reads beyond its own border are the other blocks' share) and upper
 * triangular (a value feeds only values at a later pixel of the block, or at the same pixel and a later-or-equal
 * channel), so {@code M⁻¹} comes from one triangular solve. Between blocks, block (I, J) reads only blocks (I − 1,
 * J − 1), (I − 1, J), (I, J − 1) and itself.
 *
 * <p>A sweep updates every block at once, {@code x_b ← x_b + (z − conv(x, F))_b · M⁻¹}, which is the exact solution
 * of block b's m equations given the current values of the blocks it reads ({@code (z_b − Σ_{other blocks})·M⁻¹}).
 * After sweep s every block with {@code I + J < s} is exact, so {@code rows + columns − 1} sweeps (block rows and
 * columns) give the exact solution. B is the largest side (fewest sweeps) whose blocks hold at most
 * {@link #MAX_BLOCK_VALUES} values: larger blocks cost {@code O(m³)} per solve for the triangular inverse. At the
 * emerging preset's sizes that is 7×7 blocks at 14×14×4 (3 sweeps) and 4×4 blocks at 7×7×8 (3 sweeps). Up to
 * {@link #MAX_UNROLLED_SWEEPS} sweeps are unrolled in the graph (no loop overhead); more (many channels, large
 * images) run in a while loop, so the graph does not grow with the image. Either way the result carries no
 * gradient.
 */
final class EmergingBlockSolver<T extends TFloating> {
  /** The largest block, in values ({@code B²·c}): its triangular inverse costs {@code m³/3} multiply-adds. */
  static final int MAX_BLOCK_VALUES = 256;
  /** Sweeps unrolled in the graph; more run in a while loop. */
  static final int MAX_UNROLLED_SWEEPS = 8;

  private final int height;
  private final int width;
  private final int channels;
  private final Blocking blocking;
  private final Class<T> type;

  /** Blocks of {@code side×side} pixels, {@code rows×columns} of them over the padded image. */
  record Blocking(int side, int rows, int columns) {
    int sweeps() {
      return rows + columns - 1;
    }

    /** Values per block. */
    int values(int channels) {
      return side * side * channels;
    }
  }

  EmergingBlockSolver(int height, int width, int channels, int maxBlockValues, Class<T> type) {
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.blocking = blocking(height, width, channels, maxBlockValues);
    this.type = type;
  }

  /**
   * The blocking with the fewest sweeps: for n = 1, 2, … blocks per side, the side {@code ⌈max(h, w)/n⌉}, until a
   * block holds at most {@code maxBlockValues} values (side 1 always fits the search's end: a pixel's c channels).
   */
  static Blocking blocking(int height, int width, int channels, int maxBlockValues) {
    int longest = Math.max(height, width);
    int side = 1;
    for (int n = 1; n <= longest; n++) {
      side = (longest + n - 1) / n;
      if ((long) side * side * channels <= maxBlockValues) {
        break;
      }
    }
    return new Blocking(side, (height + side - 1) / side, (width + side - 1) / side);
  }

  Blocking blocking() {
    return blocking;
  }

  /** x with {@code conv(x, filter) = z}, {@code filter} in the canonical form (see the class javadoc). */
  Operand<T> solve(Ops tf, Operand<T> z, Operand<T> filter) {
    int b = blocking.side();
    int padRows = blocking.rows() * b - height;
    int padColumns = blocking.columns() * b - width;
    Operand<T> target = padRows == 0 && padColumns == 0 ? z
        : tf.pad(z, tf.constant(new int[][] {{0, 0}, {0, padRows}, {0, padColumns}, {0, 0}}),
            Tensors.scalar(tf, 0.0, type));
    Operand<T> inverse = blockInverse(tf, filter);
    // The first sweep starts from x = 0, where conv(x, F) = 0.
    Operand<T> x = perBlock(tf, target, inverse);
    int remaining = blocking.sweeps() - 1;
    if (remaining <= MAX_UNROLLED_SWEEPS - 1) {
      for (int sweep = 0; sweep < remaining; sweep++) {
        x = sweep(tf, x, target, filter, inverse);
      }
    } else {
      List<Operand<?>> initial = List.of(tf.constant(0), x, target, filter, inverse);
      List<Operand<?>> out = WhileLoop.run(tf, "emerging_block_solve", initial,
          (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(remaining)),
          (f, vars) -> {
            List<Operand<?>> next = new ArrayList<>(vars);
            next.set(0, f.math.add(WhileLoop.<TInt32>get(vars, 0), f.constant(1)));
            next.set(1, sweep(f, WhileLoop.get(vars, 1), WhileLoop.get(vars, 2), WhileLoop.get(vars, 3),
                WhileLoop.get(vars, 4)));
            return next;
          });
      x = WhileLoop.get(out, 1);
    }
    Operand<T> solved = padRows == 0 && padColumns == 0 ? x
        : tf.slice(x, tf.constant(new int[] {0, 0, 0, 0}), tf.constant(new int[] {-1, height, width, -1}));
    return tf.stopGradient(solved);
  }

  /** One sweep: every block solved from the current values of the blocks it reads. */
  private Operand<T> sweep(Ops tf, Operand<T> x, Operand<T> target, Operand<T> filter, Operand<T> inverse) {
    Operand<T> residual = tf.math.sub(target, tf.nn.conv2d(x, filter, List.of(1L, 1L, 1L, 1L), "SAME"));
    return tf.math.add(x, perBlock(tf, residual, inverse));
  }

  /** {@code r_b · M⁻¹} for every block b of r: space-to-depth, a 1×1 convolution by M⁻¹, depth-to-space. */
  private Operand<T> perBlock(Ops tf, Operand<T> r, Operand<T> inverse) {
    int b = blocking.side();
    Operand<T> blocks = b == 1 ? r : tf.nn.spaceToDepth(r, (long) b);
    Operand<T> solved = tf.nn.conv2d(blocks, inverse, List.of(1L, 1L, 1L, 1L), "VALID");
    return b == 1 ? solved : tf.nn.depthToSpace(solved, (long) b);
  }

  /**
   * {@code M⁻¹} as a {@code [1, 1, m, m]} filter: M's row j is the factor's response, on one {@code B×B} block,
   * to the unit image j (one convolution of the m unit images), and M is upper triangular.
   */
  private Operand<T> blockInverse(Ops tf, Operand<T> filter) {
    int b = blocking.side();
    int m = blocking.values(channels);
    double[] eye = new double[m * m];
    for (int i = 0; i < m; i++) {
      eye[i * m + i] = 1;
    }
    Operand<T> identity = Tensors.constant(tf, eye, new long[] {m, m}, type);
    Operand<T> units = tf.reshape(identity, tf.constant(new int[] {m, b, b, channels}));
    Operand<T> responses = tf.nn.conv2d(units, filter, List.of(1L, 1L, 1L, 1L), "SAME");
    Operand<T> matrix = tf.reshape(responses, tf.constant(new int[] {m, m}));
    Operand<T> inverse = tf.linalg.triangularSolve(matrix, identity, TriangularSolve.lower(false));
    return tf.reshape(inverse, tf.constant(new int[] {1, 1, m, m}));
  }
}
