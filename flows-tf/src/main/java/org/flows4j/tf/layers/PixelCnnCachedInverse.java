package org.flows4j.tf.layers;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.graph.WhileLoop;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * Solves {@code v = a(x; PixelCNN(x))} for x, the inverse of MAF on an image, computing only what the next pixels
 * need, as fast PixelCNN generation does (Ramachandran et al. 2017, "Fast Generation for Convolutional
 * Autoregressive Models"): every layer's features are kept in a cache, and a pixel's features are computed once,
 * from its {@code k×k} masked neighbourhood in the layer below, when everything they read is final.
 *
 * <p>Schedule: a masked tap reads the row above up to {@code m = k/2} columns to the right, and the same row only to
 * the left, so pixel (r, c) depends only on pixels of smaller {@code t = c + r·(m + 1)}. One while-loop iteration
 * handles one such wavefront t, all h rows at once (row r's pixel on front t is column {@code t − r·(m + 1)}; rows
 * whose column falls outside the image are computed and set to zero, as "SAME" padding reads them): {@code w +
 * (h − 1)(m + 1)} iterations instead of {@code h·w}.
 *
 * <p>The caches are windows, not images: a tap a rows up and b columns right of front t's pixel in row r reads the
 * pixel of front {@code t − (a(m + 1) − b)} in row {@code r − a}, a fixed offset, so each layer keeps its features of
 * the last {@code S = m² + 2m} fronts, {@code [h + m, batch, S·features]} (m zero rows on top for the rows above the
 * image; front t − 1 first on the last axis). The taps of one row offset a read {@code 2m + 1} consecutive fronts
 * (m for the same row), so a layer's whole masked neighbourhood is {@code m + 1} slices of its input window,
 * concatenated, times the kernel's masked taps gathered once before the loop in that order (and the centre, for
 * mask-B layers, whose input is the layer below on the same front), as one matrix product; its front is then pushed
 * into its window (one pad, one slice, one concatenation). The {@code 1×1} output layer gives the shifts and scales,
 * the pixels' values are solved, pushed into the image's window and written at row t of a {@code [fronts, h, batch,
 * c]} result, turned back into an image after the loop. No iteration touches a tensor of the image's size times
 * the features (the image-sized caches updated by scatter, which this replaced, copied every layer's whole cache on
 * every iteration). Exact: each value is computed from the same inputs with the same weights as in the forward
 * network. The loop's result carries no gradient.
 */
final class PixelCnnCachedInverse<T extends TFloating> {
  private final int height;
  private final int width;
  private final int channels;
  private final PixelCnnNet<T> net;
  private final ElementwiseTransform<T> affine;
  private final Class<T> type;

  PixelCnnCachedInverse(int height, int width, int channels, PixelCnnNet<T> net, ElementwiseTransform<T> affine,
      Class<T> type) {
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.net = net;
    this.affine = affine;
    this.type = type;
  }

  /** Wavefronts: pixel (r, c) is solved at front {@code t = c + r·(m + 1)}. */
  private int fronts(int m) {
    return (width - 1) + (height - 1) * (m + 1) + 1;
  }

  /**
   * The masked taps in the order the loop reads them ({@code [row, column]} in the kernel): for a = m … 1 rows up,
   * the 2m + 1 taps of that row from the right (fronts t − 1 − s for consecutive s), then the m taps left of the
   * centre on its row from the nearest; for mask-B layers the centre last.
   */
  private static int[][] tapOrder(int k, boolean withCentre) {
    int m = k / 2;
    List<int[]> taps = new ArrayList<>();
    for (int a = m; a >= 1; a--) {
      for (int b = m; b >= -m; b--) {
        taps.add(new int[] {m - a, m + b});
      }
    }
    for (int b = -1; b >= -m; b--) {
      taps.add(new int[] {m, m + b});
    }
    if (withCentre) {
      taps.add(new int[] {m, m});
    }
    return taps.toArray(new int[0][]);
  }

  /**
   * x from {@code v} ({@code [batch, h, w, c]}, in visiting order), with {@code weights} from
   * {@link PixelCnnNet#weights}.
   */
  Operand<T> solve(Ops tf, Operand<T> v, List<Operand<T>> weights) {
    int k = net.kernelSize();
    int m = k / 2;
    int layers = net.layers();
    int features = net.width();
    int fronts = fronts(m);
    int slots = m * m + 2 * m; // fronts t − 1 … t − S: the farthest tap back is m rows up, m columns left
    // A front has at most ⌈w/(m + 1)⌉ pixels, on consecutive rows: each iteration computes that many rows, from
    // row r₀(t) (clamped so that they stay on the image), not all h.
    int span = Math.min(height, (width + m) / (m + 1));
    int[] first = new int[fronts];
    boolean[][] valid = new boolean[fronts][span];
    int[][][] skew = new int[fronts][span][];
    int[][] rowBegins = new int[fronts][m + 1];
    int[][] rowPadding = new int[fronts][];
    for (int t = 0; t < fronts; t++) {
      first[t] = Math.min(Math.max(Math.floorDiv(t - width + 1 + m, m + 1), 0), height - span);
      for (int i = 0; i < span; i++) {
        int r = first[t] + i;
        int c = t - r * (m + 1);
        valid[t][i] = c >= 0 && c < width;
        skew[t][i] = new int[] {r, Math.max(0, Math.min(width - 1, c))};
      }
      for (int a = m; a >= 0; a--) {
        rowBegins[t][m - a] = first[t] + m - a; // the window row of row r₀ − a (m zero rows on top)
      }
      rowPadding[t] = new int[] {first[t] + m, height - span - first[t]};
    }
    int[][][] unskew = new int[height][width][];
    for (int r = 0; r < height; r++) {
      for (int c = 0; c < width; c++) {
        int t = c + r * (m + 1);
        unskew[r][c] = new int[] {t, r - first[t]};
      }
    }

    // The kernels as matrices over the taps in the loop's order; the biases as they are.
    List<Operand<?>> kernels = new ArrayList<>();
    for (int layer = 0; layer < layers; layer++) {
      int in = layer == 0 ? channels : features;
      int[][] taps = tapOrder(k, layer > 0);
      int[] rows = new int[taps.length];
      for (int i = 0; i < taps.length; i++) {
        rows[i] = taps[i][0] * k + taps[i][1];
      }
      Operand<T> perTap = tf.reshape(weights.get(2 * layer), tf.constant(new int[] {k * k, in, features}));
      kernels.add(tf.reshape(tf.gather(perTap, tf.constant(rows), tf.constant(0)),
          tf.constant(new int[] {taps.length * in, features})));
      kernels.add(weights.get(2 * layer + 1));
    }
    kernels.add(tf.reshape(weights.get(2 * layers), tf.constant(new int[] {features, 2 * channels})));
    kernels.add(weights.get(2 * layers + 1));

    Operand<T> target = tf.gatherNd(tf.linalg.transpose(v, tf.constant(new int[] {1, 2, 0, 3})),
        tf.constant(skew)); // [fronts, h, batch, c]
    Operand<TInt32> batch = tf.slice(tf.shape(v), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    List<Operand<?>> initial = new ArrayList<>(List.of(tf.constant(0), target,
        zeros(tf, new int[] {fronts, span}, batch, new int[] {channels}),
        zeros(tf, new int[] {height + m}, batch, new int[] {slots * channels})));
    for (int layer = 1; layer < layers; layer++) {
      initial.add(zeros(tf, new int[] {height + m}, batch, new int[] {slots * features}));
    }
    int fixed = initial.size();
    initial.addAll(kernels);
    List<Operand<?>> out = WhileLoop.run(tf, "pixelcnn_maf_inverse", initial,
        (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(fronts)),
        (f, vars) -> {
          Operand<TInt32> t = WhileLoop.get(vars, 0);
          Operand<TInt32> axis = f.constant(0);
          Operand<TBool> onImage = f.reshape(f.gather(f.constant(valid), t, axis),
              f.constant(new int[] {span, 1, 1})); // SelectV2 broadcasts: one flag per row
          Operand<TInt32> begins = f.gather(f.constant(rowBegins), t, axis);
          List<Operand<TInt32>> rowOf = new ArrayList<>();
          for (int part = 0; part <= m; part++) {
            rowOf.add(f.slice(begins, f.constant(new int[] {part}), f.constant(new int[] {1})));
          }
          Operand<TInt32> padding = f.concat(List.of(
              f.reshape(f.gather(f.constant(rowPadding), t, axis), f.constant(new int[] {1, 2})),
              f.constant(new int[][] {{0, 0}, {0, 0}})), axis);
          List<Operand<T>> ws = WhileLoop.getFrom(vars, fixed);
          List<Operand<?>> next = new ArrayList<>(vars);
          Operand<T> centre = null;
          for (int layer = 0; layer < layers; layer++) {
            int in = layer == 0 ? channels : features;
            Operand<T> window = WhileLoop.get(vars, 3 + layer); // [h + m, batch, S·in]: fronts t − 1, t − 2, …
            List<Operand<T>> parts = new ArrayList<>();
            for (int a = m; a >= 0; a--) {
              // Rows r₀ … read rows r₀ − a …: for a ≥ 1 the 2m + 1 fronts t − 1 − s, s = a(m + 1) − m − 1 …; on
              // the same row (a = 0) the m fronts t − 1 …
              int slot = a == 0 ? 0 : a * (m + 1) - m - 1;
              int count = a == 0 ? m : 2 * m + 1;
              Operand<TInt32> begin = f.concat(List.of(rowOf.get(m - a), f.constant(new int[] {0, slot * in})), axis);
              parts.add(f.slice(window, begin, f.constant(new int[] {span, -1, count * in})));
            }
            if (centre != null) {
              parts.add(centre);
            }
            int inputs = (tapOrder(k, layer > 0).length) * in;
            Operand<T> patches = f.reshape(f.concat(parts, f.constant(2)), f.constant(new int[] {-1, inputs}));
            Operand<T> hidden = net.activate(f,
                addBias(f, f.linalg.matMul(patches, ws.get(2 * layer)), ws.get(2 * layer + 1), span, features));
            centre = onImage(f, onImage, f.reshape(hidden, f.constant(new int[] {span, -1, features})));
            if (layer < layers - 1) {
              next.set(4 + layer, push(f, WhileLoop.get(vars, 4 + layer), centre, padding, slots, features));
            }
          }
          Operand<T> raw = addBias(f, f.linalg.matMul(f.reshape(centre, f.constant(new int[] {-1, features})),
              ws.get(2 * layers)), ws.get(2 * layers + 1), span, 2 * channels);
          Operand<T> known = f.reshape(f.gather(WhileLoop.<T>get(vars, 1), t, axis),
              f.constant(new int[] {-1, channels}));
          Operand<T> solved = onImage(f, onImage, f.reshape(affine.inverse(f, known, raw).value(),
              f.constant(new int[] {span, -1, channels})));
          next.set(2, f.tensorScatterNdUpdate(WhileLoop.<T>get(vars, 2), f.reshape(t, f.constant(new int[] {1, 1})),
              f.expandDims(solved, axis)));
          next.set(3, push(f, WhileLoop.get(vars, 3), solved, padding, slots, channels));
          next.set(0, f.math.add(t, f.constant(1)));
          return next;
        });
    Operand<T> image = tf.gatherNd(WhileLoop.<T>get(out, 2), tf.constant(unskew)); // [h, w, batch, c]
    return tf.linalg.transpose(image, tf.constant(new int[] {2, 0, 1, 3}));
  }

  /**
   * {@code [h·batch, n]} pre-activations (rows ordered row, then batch) plus a layer's bias: {@code [n]}, or per
   * example ({@code [batch, 1, 1, n]}, a conditional flow's context term), the same for every row of the front.
   */
  private Operand<T> addBias(Ops f, Operand<T> values, Operand<T> bias, int rows, int n) {
    if (bias.shape().numDimensions() == 1) {
      return f.math.add(values, bias);
    }
    Operand<T> byRow = f.reshape(values, f.constant(new int[] {rows, -1, n}));
    Operand<T> sum = f.math.add(byRow, f.reshape(bias, f.constant(new int[] {1, -1, n})));
    return f.reshape(sum, f.constant(new int[] {-1, n}));
  }

  /** {@code x} where the front's pixel lies on the image, zero elsewhere ("SAME" zero padding). */
  private Operand<T> onImage(Ops f, Operand<TBool> onImage, Operand<T> x) {
    return f.select(onImage, x, f.zerosLike(x));
  }

  /**
   * The window with front t's values first (its rows r₀ … placed at window rows r₀ + m …, zeros above and below:
   * {@code padding}) and its oldest front dropped.
   */
  private Operand<T> push(Ops f, Operand<T> window, Operand<T> front, Operand<TInt32> padding, int slots, int n) {
    Operand<T> newest = f.pad(front, padding, Tensors.scalar(f, 0.0, type));
    if (slots == 1) {
      return newest;
    }
    Operand<T> kept = f.slice(window, f.constant(new int[] {0, 0, 0}), f.constant(new int[] {-1, -1,
        (slots - 1) * n}));
    return f.concat(List.of(newest, kept), f.constant(2));
  }

  /** Zeros {@code [leading..., batch, trailing...]}. */
  private Operand<T> zeros(Ops tf, int[] leading, Operand<TInt32> batch, int[] trailing) {
    Operand<TInt32> shape = tf.concat(List.of(tf.constant(leading), batch, tf.constant(trailing)), tf.constant(0));
    return tf.fill(shape, Tensors.scalar(tf, 0.0, type));
  }
}
