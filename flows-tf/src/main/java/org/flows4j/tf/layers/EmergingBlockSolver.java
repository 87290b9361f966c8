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
 * b's m equations given the current values of the blocks before it. After sweep s every block with
 * {@code I + J < s} is exact, so {@code rows + columns − 1} sweeps (block rows and columns) give the exact solution;
 * the first starts from x = 0. A tap reaches only l rows and columns back, so of the neighbouring blocks only the
 * edges facing b (their last l rows and columns, and the corner) enter its equations: {@code M_o} has
 * {@code (2Bl + l²)·c} non-zero rows in all (60 of 588 at 7×7×4), and a sweep gathers just those values
 * ({@code GatherV2} with constant indices, a zero beyond the image's edges) and multiplies them in one product. The
 * whole solve stays in block space: one space-to-depth, matrix products, one depth-to-space, no convolution
 * (oneDNN's convolutions cost far more per call than their arithmetic at these sizes). B is the largest side
 * (fewest sweeps) whose blocks hold at most {@link #MAX_BLOCK_VALUES} values: larger blocks cost {@code O(m³)} for
 * the triangular inverse and {@code O(m)} per value in the first product. At the emerging preset's sizes that is
 * 7×7 blocks at 14×14×4 (3 sweeps) and 4×4 blocks at 7×7×8 (3 sweeps). Up to {@link #MAX_UNROLLED_SWEEPS} sweeps
 * are unrolled in the graph (no loop overhead); more (many channels, large images) run in a while loop, so the
 * graph does not grow with the image. Either way the result carries no gradient.
 *
 * <p>What depends on the filter only, {@code M⁻¹} and the edge rows of {@code −M_o·M⁻¹}, is one {@link #operator}
 * {@code [m + e, m]}. {@link EmergingConvLayer} keeps it between calls ({@link WeightDerivedCache}): sampling with
 * unchanged weights pays only for the sweeps. The two factors of an emerging convolution are in the canonical form
 * only after permuting the image (channels reversed, or turned by 180°); each such {@link Frame} permutes the values
 * inside every block, so it is folded into the operator, the gathered indices and the direction of the sweeps
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

  /** Rows of {@link #operator}: m for the block's inverse, then one per neighbouring value a block reads. */
  int operatorRows(int k) {
    return blocking.values(channels) + edgePixels(k).length * channels;
  }

  /** Columns of {@link #operator}: m. */
  int operatorColumns() {
    return blocking.values(channels);
  }

  /**
   * The pixels of the blocks before a block that its equations read, as {@code {offset, pixel}} in the canonical
   * frame (offset {@code o = up·span + left}, pixel in raster order within the source block): a tap reaches only
   * {@code l} rows and columns back, so only the edges facing the block (its last l rows, its last l columns, the
   * corner) couple, {@code (2Bl + l²)·c} values of the {@code (span² − 1)·m} of the neighbouring blocks.
   */
  private int[][] edgePixels(int k) {
    int b = blocking.side();
    int l = (k - 1) / 2;
    int span = reach(k, b) + 1;
    int pixels = b * b;
    List<int[]> used = new ArrayList<>();
    for (int offset = 1; offset < span * span; offset++) {
      for (int source = 0; source < pixels; source++) {
        for (int target = 0; target < pixels; target++) {
          if (tap(offset, source, target, b, l, span, k) >= 0) {
            used.add(new int[] {offset, source});
            break;
          }
        }
      }
    }
    return used.toArray(new int[0][]);
  }

  /**
   * The filter's tap (row·k + column) carrying pixel {@code source} of the block {@code offset} before a block to its
   * pixel {@code target}, or −1.
   */
  private static int tap(int offset, int source, int target, int b, int l, int span, int k) {
    int up = offset / span;
    int left = offset % span;
    // source pixel = target pixel + (a − l, b − l), the source block being `up` blocks up, `left` left.
    int row = l - up * b + source / b - target / b;
    int column = l - left * b + source % b - target % b;
    return row >= 0 && row < k && column >= 0 && column < k ? row * k + column : -1;
  }

  /**
   * What the solve needs from the filter, which depends on nothing else ({@code [m + e, m]}): the block's own
   * inverse {@code M⁻¹}, then, for each of the e neighbouring values a block reads ({@link #edgePixels}), its row of
   * {@code −M_o·M⁻¹}: what that value contributes to the block, already multiplied by the inverse. A sweep is then
   * {@code x_b = z_b·M⁻¹ + (the neighbours' edge values)·(the e rows)}. In another {@code frame} the values of
   * every block are permuted: with {@code v_c[j] = v[π(j)]} the canonical block of v, the operator's entry
   * {@code [(o, j'), j]} becomes the canonical one at {@code [(o, π(j')), π(j)]}, so that it maps the image's blocks
   * as they are.
   */
  Operand<T> operator(Ops tf, Operand<T> filter, int k, Frame frame) {
    int m = blocking.values(channels);
    int reach = reach(k, blocking.side());
    int span = reach + 1;
    Operand<T> matrices = blockMatrices(tf, filter, k, reach); // [span², m, m]; 0: the block itself
    Operand<T> self = tf.reshape(tf.slice(matrices, tf.constant(new int[] {0, 0, 0}),
        tf.constant(new int[] {1, m, m})), tf.constant(new int[] {m, m}));
    Operand<T> inverse = tf.linalg.triangularSolve(self, identity(tf, m), TriangularSolve.lower(false));
    Operand<T> canonical = inverse;
    if (span > 1) {
      Operand<T> others = tf.slice(matrices, tf.constant(new int[] {1, 0, 0}),
          tf.constant(new int[] {span * span - 1, m, m}));
      Operand<T> coupling = tf.math.neg(tf.linalg.matMul(
          tf.reshape(others, tf.constant(new int[] {(span * span - 1) * m, m})), inverse));
      canonical = tf.concat(List.of(inverse, coupling), tf.constant(0)); // [span²·m, m]
    }
    int[] permutation = valuePermutation(frame);
    int[][] edges = edgePixels(k);
    int c = channels;
    int[] rows = new int[m + edges.length * c];
    for (int j = 0; j < m; j++) {
      rows[j] = permutation[j];
    }
    int[] imageRows = edgeValues(k, frame);
    for (int e = 0; e < imageRows.length; e++) {
      int offset = imageRows[e] / m;
      rows[m + e] = offset * m + permutation[imageRows[e] % m];
    }
    Operand<T> selected = tf.gather(canonical, tf.constant(rows), tf.constant(0));
    return frame == Frame.AS_IS ? selected : tf.gather(selected, tf.constant(permutation), tf.constant(1));
  }

  /**
   * The neighbouring values a block reads, in the image's frame, as {@code offset·m + j} (j the value's index in its
   * block as stored, {@code SpaceToDepth} order): the edge pixels of {@link #edgePixels}, turned with the block in the
   * turned frame, every channel of each.
   */
  private int[] edgeValues(int k, Frame frame) {
    int c = channels;
    int m = blocking.values(c);
    int pixels = blocking.side() * blocking.side();
    int[][] edges = edgePixels(k);
    int[] values = new int[edges.length * c];
    for (int e = 0; e < edges.length; e++) {
      int pixel = frame == Frame.TURNED ? pixels - 1 - edges[e][1] : edges[e][1];
      for (int i = 0; i < c; i++) {
        values[e * c + i] = edges[e][0] * m + pixel * c + i;
      }
    }
    return values;
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

  /**
   * For every block (in row-major order) and every neighbouring value it reads ({@link #edgeValues}), where that
   * value sits in the flattened image of blocks {@code [rows·columns·m]}, or {@code rows·columns·m} (a zero appended
   * after the image) for a neighbour beyond the edge: blocks up and left in the image's frame, down and right when
   * the image is turned.
   */
  private int[] neighbourIndices(int k, Frame frame) {
    int m = blocking.values(channels);
    int rows = blocking.rows();
    int columns = blocking.columns();
    int span = reach(k, blocking.side()) + 1;
    int sign = frame == Frame.TURNED ? 1 : -1;
    int[] values = edgeValues(k, frame);
    int[] indices = new int[rows * columns * values.length];
    for (int row = 0; row < rows; row++) {
      for (int column = 0; column < columns; column++) {
        for (int e = 0; e < values.length; e++) {
          int offset = values[e] / m;
          int sourceRow = row + sign * (offset / span);
          int sourceColumn = column + sign * (offset % span);
          boolean inside = sourceRow >= 0 && sourceRow < rows && sourceColumn >= 0 && sourceColumn < columns;
          indices[(row * columns + column) * values.length + e] = inside
              ? (sourceRow * columns + sourceColumn) * m + values[e] % m : rows * columns * m;
        }
      }
    }
    return indices;
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
    int edges = operatorRows(k) - m;
    // The operator's parts, sliced along its first axis (the slices share its buffer).
    Operand<T> inverse = tf.slice(operator, tf.constant(new int[] {0, 0}), tf.constant(new int[] {m, m}));
    // The first sweep starts from x = 0: every block is z_b·M⁻¹. Blocks stay [n·rows·columns, m] until the end.
    Operand<T> target = tf.linalg.matMul(tf.reshape(blocks, tf.constant(new int[] {-1, m})), inverse);
    Operand<T> x = target;
    int remaining = edges == 0 ? 0 : blocking.sweeps() - 1;
    if (remaining > 0) {
      Operand<T> coupling = tf.slice(operator, tf.constant(new int[] {m, 0}), tf.constant(new int[] {edges, m}));
      int[] neighbours = neighbourIndices(k, frame);
      if (remaining <= MAX_UNROLLED_SWEEPS - 1) {
        Operand<TInt32> at = tf.constant(neighbours);
        for (int sweep = 0; sweep < remaining; sweep++) {
          x = sweep(tf, x, target, coupling, at, edges);
        }
      } else {
        List<Operand<?>> initial = List.of(tf.constant(0), x, target, coupling, tf.constant(neighbours));
        List<Operand<?>> out = WhileLoop.run(tf, "emerging_block_solve", initial,
            (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(remaining)),
            (f, vars) -> {
              List<Operand<?>> next = new ArrayList<>(vars);
              next.set(0, f.math.add(WhileLoop.<TInt32>get(vars, 0), f.constant(1)));
              next.set(1, sweep(f, WhileLoop.get(vars, 1), WhileLoop.get(vars, 2), WhileLoop.get(vars, 3),
                  WhileLoop.get(vars, 4), edges));
              return next;
            });
        x = WhileLoop.get(out, 1);
      }
    }
    Operand<T> grid = tf.reshape(x, tf.constant(new int[] {-1, rows, columns, m}));
    Operand<T> image = b == 1 ? grid : tf.nn.depthToSpace(grid, (long) b);
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
   * One sweep, every block at once: {@code x_b ← z_b·M⁻¹ + Σ (edge values of the blocks before b)·(their rows of
   * −M_o·M⁻¹)}, the edge values gathered from the flattened blocks with constant indices (a zero beyond the edges).
   */
  private Operand<T> sweep(Ops tf, Operand<T> x, Operand<T> target, Operand<T> coupling, Operand<TInt32> at,
      int edges) {
    int blocks = blocking.rows() * blocking.columns();
    int m = blocking.values(channels);
    Operand<T> flat = tf.reshape(x, tf.constant(new int[] {-1, blocks * m}));
    Operand<T> withZero = tf.pad(flat, tf.constant(new int[][] {{0, 0}, {0, 1}}), Tensors.scalar(tf, 0.0, type));
    Operand<T> read = tf.reshape(tf.gather(withZero, at, tf.constant(1)), tf.constant(new int[] {-1, edges}));
    return tf.math.add(target, tf.linalg.matMul(read, coupling));
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
      for (int source = 0; source < pixels; source++) {
        for (int target = 0; target < pixels; target++) {
          int tap = tap(offset, source, target, b, l, span, k);
          taps[(offset * pixels + source) * pixels + target] = tap >= 0 ? tap : k * k;
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
