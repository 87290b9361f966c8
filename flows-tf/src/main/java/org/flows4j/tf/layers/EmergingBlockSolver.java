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
 * {@code SpaceToDepth} orders them (row, column, channel). The factor restricted to a pair of blocks is an
 * {@code m×m} matrix, the same for every pair at the same offset (the convolution is translation-invariant): M for a
 * block onto itself, and {@code M_o} for the block o rows and columns up and to the left (a tap reaches
 * {@code ⌈l/B⌉} blocks back). They are gathered from the filter's taps with constant indices. M is upper triangular
 * (a value feeds only values at a later pixel of the block, or at the same pixel and a later-or-equal channel), so
 * {@code M⁻¹} comes from one triangular solve.
 *
 * <p>A sweep updates every block at once, {@code x_b ← z_b·M⁻¹ − Σ_o x_{b−o}·M_o·M⁻¹}, the exact solution of block
 * b's m equations given the current values of the blocks before it; the neighbours {@code x_{b−o}} are the grid of
 * blocks shifted (zeros beyond the top and left edges), all of them multiplied in one matrix product. After sweep s
 * every block with {@code I + J < s} is exact, so {@code rows + columns − 1} sweeps (block rows and columns) give the
 * exact solution; the first starts from x = 0. The whole solve stays in block space: one space-to-depth, matrix
 * products, one depth-to-space, no convolution (oneDNN's convolutions cost far more per call than their arithmetic
 * at these sizes). B is the largest side (fewest sweeps) whose blocks hold at most {@link #MAX_BLOCK_VALUES} values:
 * larger blocks cost {@code O(m³)} per solve for the triangular inverse. At the emerging preset's sizes that is 7×7
 * blocks at 14×14×4 (3 sweeps) and 4×4 blocks at 7×7×8 (3 sweeps). Up to {@link #MAX_UNROLLED_SWEEPS} sweeps are
 * unrolled in the graph (no loop overhead); more (many channels, large images) run in a while loop, so the graph
 * does not grow with the image. Either way the result carries no gradient.
 *
 * <p>What depends on the filter only, the block matrices, {@code M⁻¹} and the neighbours' contributions multiplied
 * by it, is one {@link #operator} {@code [M⁻¹; −M_1·M⁻¹; …]}, so that each sweep is a single product
 * {@code [z_b, x_{b−1}, …]·operator}. {@link EmergingConvLayer} keeps it between calls ({@link WeightDerivedCache}):
 * sampling with unchanged weights pays only for the sweeps. The two factors of an emerging convolution are in the
 * canonical form only after permuting the image (channels reversed, or turned by 180°); each such {@link Frame}
 * permutes the values inside every block, so it is folded into the operator and the direction of the sweeps
 * instead of permuting the image twice per solve.
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

  /**
   * Which permutation of the image puts the equations in the canonical form the filter is given in. The solver
   * works on the image as it is and applies the permutation to its operator instead (inside a block, where both
   * permutations stay) and to the order of its sweeps, so no image is ever permuted.
   */
  enum Frame {
    /** The image as it is. */
    AS_IS,
    /** The image with its channels reversed (an emerging convolution's second factor). */
    CHANNELS_REVERSED,
    /** The image turned by 180° (the first factor): blocks are solved from the bottom right. */
    TURNED
  }

  /** x with {@code conv(x, filter) = z}, {@code filter} ({@code [k, k, c, c]}) in the canonical form. */
  Operand<T> solve(Ops tf, Operand<T> z, Operand<T> filter) {
    int k = (int) filterSide(filter);
    return solveWith(tf, z, operator(tf, filter, k, Frame.AS_IS), k, Frame.AS_IS);
  }

  /** Rows of {@link #operator}: {@code span²·m}. */
  int operatorRows(int k) {
    int span = reach(k, blocking.side()) + 1;
    return span * span * blocking.values(channels);
  }

  /** Columns of {@link #operator}: m. */
  int operatorColumns() {
    return blocking.values(channels);
  }

  /**
   * What the solve needs from the filter, which depends on nothing else: {@code [M⁻¹; −M_1·M⁻¹; …]}
   * ({@code [span²·m, m]}), the block's own inverse on top of what each block before it contributes, already
   * multiplied by it. A sweep is then one product {@code [z_b, x_{b−1}, …]·operator}. In another {@code frame} the
   * values of every block are permuted: with {@code v_c[j] = v[π(j)]} the canonical block of v, the operator's
   * entry {@code [r, j]} becomes the canonical one at {@code [π(r), π(j)]} (π applied within each of its m-row
   * parts), so that it maps the image's blocks as they are.
   */
  Operand<T> operator(Ops tf, Operand<T> filter, int k, Frame frame) {
    Operand<T> canonical = canonicalOperator(tf, filter, k);
    if (frame == Frame.AS_IS) {
      return canonical;
    }
    int[] permutation = valuePermutation(frame);
    int m = permutation.length;
    int parts = operatorRows(k) / m;
    int[] rows = new int[parts * m];
    for (int part = 0; part < parts; part++) {
      for (int j = 0; j < m; j++) {
        rows[part * m + j] = part * m + permutation[j];
      }
    }
    return tf.gather(tf.gather(canonical, tf.constant(rows), tf.constant(0)), tf.constant(permutation),
        tf.constant(1));
  }

  /**
   * π for a frame, over a block's values in {@code SpaceToDepth} order {@code (p·c + i)}, p the pixel in raster
   * order within the block: channels reversed {@code (p, i) → (p, c − 1 − i)}; turned by 180° {@code (p, i) →
   * (B² − 1 − p, i)}. Both are their own inverse.
   */
  private int[] valuePermutation(Frame frame) {
    int c = channels;
    int pixels = blocking.side() * blocking.side();
    int[] permutation = new int[pixels * c];
    for (int p = 0; p < pixels; p++) {
      for (int i = 0; i < c; i++) {
        permutation[p * c + i] = switch (frame) {
          case AS_IS -> p * c + i;
          case CHANNELS_REVERSED -> p * c + (c - 1 - i);
          case TURNED -> (pixels - 1 - p) * c + i;
        };
      }
    }
    return permutation;
  }

  private Operand<T> canonicalOperator(Ops tf, Operand<T> filter, int k) {
    int m = blocking.values(channels);
    int reach = reach(k, blocking.side());
    int span = reach + 1;
    Operand<T> matrices = blockMatrices(tf, filter, k, reach); // [span², m, m]; 0: the block itself
    Operand<T> self = tf.reshape(tf.slice(matrices, tf.constant(new int[] {0, 0, 0}),
        tf.constant(new int[] {1, m, m})), tf.constant(new int[] {m, m}));
    Operand<T> inverse = tf.linalg.triangularSolve(self, identity(tf, m), TriangularSolve.lower(false));
    if (span == 1) {
      return inverse;
    }
    Operand<T> others = tf.slice(matrices, tf.constant(new int[] {1, 0, 0}),
        tf.constant(new int[] {span * span - 1, m, m}));
    Operand<T> coupling = tf.math.neg(tf.linalg.matMul(
        tf.reshape(others, tf.constant(new int[] {(span * span - 1) * m, m})), inverse));
    return tf.concat(List.of(inverse, coupling), tf.constant(0));
  }

  /**
   * x with {@code conv(x, filter) = z}, from the filter's {@link #operator} in the same {@code frame} ({@code k}: the
   * filter's side). In the turned frame the padding goes to the top and left (the bottom and right of the turned
   * image) and each block reads the blocks below and to its right.
   */
  Operand<T> solveWith(Ops tf, Operand<T> z, Operand<T> operator, int k, Frame frame) {
    int b = blocking.side();
    int m = blocking.values(channels);
    int rows = blocking.rows();
    int columns = blocking.columns();
    int padRows = rows * b - height;
    int padColumns = columns * b - width;
    boolean turned = frame == Frame.TURNED;
    int[][] padding = turned ? new int[][] {{0, 0}, {padRows, 0}, {padColumns, 0}, {0, 0}}
        : new int[][] {{0, 0}, {0, padRows}, {0, padColumns}, {0, 0}};
    Operand<T> padded = padRows == 0 && padColumns == 0 ? z
        : tf.pad(z, tf.constant(padding), Tensors.scalar(tf, 0.0, type));
    Operand<T> blocks = b == 1 ? padded : tf.nn.spaceToDepth(padded, (long) b); // [n, rows, columns, m]
    int reach = reach(k, b);
    // The first sweep starts from x = 0: every block is z_b·M⁻¹ (the operator's top m rows; a slice along the
    // first axis shares the operator's buffer).
    Operand<T> inverse = tf.slice(operator, tf.constant(new int[] {0, 0}), tf.constant(new int[] {m, m}));
    Operand<T> x = times(tf, blocks, inverse, m, rows, columns, m);
    int remaining = blocking.sweeps() - 1;
    if (remaining <= MAX_UNROLLED_SWEEPS - 1) {
      for (int sweep = 0; sweep < remaining; sweep++) {
        x = sweep(tf, x, blocks, operator, reach, m, turned);
      }
    } else {
      List<Operand<?>> initial = List.of(tf.constant(0), x, blocks, operator);
      List<Operand<?>> out = WhileLoop.run(tf, "emerging_block_solve", initial,
          (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(remaining)),
          (f, vars) -> {
            List<Operand<?>> next = new ArrayList<>(vars);
            next.set(0, f.math.add(WhileLoop.<TInt32>get(vars, 0), f.constant(1)));
            next.set(1, sweep(f, WhileLoop.get(vars, 1), WhileLoop.get(vars, 2), WhileLoop.get(vars, 3), reach, m,
                turned));
            return next;
          });
      x = WhileLoop.get(out, 1);
    }
    Operand<T> image = b == 1 ? x : tf.nn.depthToSpace(x, (long) b);
    Operand<T> solved = padRows == 0 && padColumns == 0 ? image
        : tf.slice(image, tf.constant(turned ? new int[] {0, padRows, padColumns, 0} : new int[] {0, 0, 0, 0}),
            tf.constant(new int[] {-1, height, width, -1}));
    return tf.stopGradient(solved);
  }

  /** The filter's side k, read from its static shape (the solver is built outside gradient functions). */
  private static long filterSide(Operand<?> filter) {
    return filter.shape().get(0);
  }

  /** How many blocks back a tap reaches: {@code ⌈l / B⌉} with {@code l = (k − 1)/2}. */
  private static int reach(int k, int b) {
    int l = (k - 1) / 2;
    return (l + b - 1) / b;
  }

  /**
   * One sweep: {@code x_b ← z_b·M⁻¹ − Σ_{blocks b' before b} x_{b'}·M_{b'→b}·M⁻¹}, every block at once, as one
   * product {@code [z_b, x_{b'}…]·operator}, the neighbours {@code x_{b'}} read by shifting the grid of blocks (zero
   * blocks beyond the top and left edges; {@code turned}: the blocks below and to the right, zeros beyond the bottom
   * and right edges).
   */
  private Operand<T> sweep(Ops tf, Operand<T> x, Operand<T> blocks, Operand<T> operator, int reach, int m,
      boolean turned) {
    int rows = blocking.rows();
    int columns = blocking.columns();
    int span = reach + 1;
    int[][] margin = turned ? new int[][] {{0, 0}, {0, reach}, {0, reach}, {0, 0}}
        : new int[][] {{0, 0}, {reach, 0}, {reach, 0}, {0, 0}};
    Operand<T> shifted = tf.pad(x, tf.constant(margin), Tensors.scalar(tf, 0.0, type));
    List<Operand<T>> inputs = new ArrayList<>(List.of(blocks));
    for (int offset = 1; offset < span * span; offset++) {
      int up = offset / span;
      int left = offset % span;
      int[] start = turned ? new int[] {0, up, left, 0} : new int[] {0, reach - up, reach - left, 0};
      inputs.add(tf.slice(shifted, tf.constant(start),
          tf.constant(new int[] {-1, rows, columns, m})));
    }
    return times(tf, tf.concat(inputs, tf.constant(3)), operator, span * span * m, rows, columns, m);
  }

  /** {@code [n, rows, columns, inner] × [inner, m] → [n, rows, columns, m]}. */
  private static <T extends TFloating> Operand<T> times(Ops tf, Operand<T> blocks, Operand<T> matrix, int inner,
      int rows, int columns, int m) {
    Operand<T> flat = tf.reshape(blocks, tf.constant(new int[] {-1, inner}));
    return tf.reshape(tf.linalg.matMul(flat, matrix), tf.constant(new int[] {-1, rows, columns, m}));
  }

  /**
   * The factor restricted to pairs of blocks, {@code [span², m, m]}: matrix o holds the contributions of the block
   * {@code o / span} rows up and {@code o % span} columns left to a block, entry {@code [(p, i), (q, o')]} being the
   * filter's tap that carries pixel p of the source block to pixel q of the target block ({@code F[tap, i, o']}),
   * or 0. Built by gathering the filter's taps (plus a zero tap) with constant indices: no convolution.
   */
  private Operand<T> blockMatrices(Ops tf, Operand<T> filter, int k, int reach) {
    int b = blocking.side();
    int c = channels;
    int l = (k - 1) / 2;
    int span = reach + 1;
    int pixels = b * b;
    int[] taps = new int[span * span * pixels * pixels];
    for (int offset = 0; offset < span * span; offset++) {
      int up = offset / span;
      int left = offset % span;
      for (int source = 0; source < pixels; source++) {
        for (int target = 0; target < pixels; target++) {
          // source pixel = target pixel + (a − l, b − l), the source block being `up` blocks up, `left` left.
          int row = l - up * b + source / b - target / b;
          int column = l - left * b + source % b - target % b;
          boolean inside = row >= 0 && row < k && column >= 0 && column < k;
          taps[(offset * pixels + source) * pixels + target] = inside ? row * k + column : k * k;
        }
      }
    }
    Operand<T> flatTaps = tf.reshape(filter, tf.constant(new int[] {k * k, c, c}));
    Operand<T> withZero = tf.concat(List.of(flatTaps, Tensors.zeros(tf, new long[] {1, c, c}, type)),
        tf.constant(0));
    Operand<T> gathered = tf.gather(withZero, tf.reshape(tf.constant(taps),
        tf.constant(new int[] {span * span, pixels, pixels})), tf.constant(0)); // [span², p, q, c, c]
    Operand<T> ordered = tf.linalg.transpose(gathered, tf.constant(new int[] {0, 1, 3, 2, 4}));
    int m = pixels * c;
    return tf.reshape(ordered, tf.constant(new int[] {span * span, m, m}));
  }

  private Operand<T> identity(Ops tf, int m) {
    double[] eye = new double[m * m];
    for (int i = 0; i < m; i++) {
      eye[i * m + i] = 1;
    }
    return Tensors.constant(tf, eye, new long[] {m, m}, type);
  }
}
