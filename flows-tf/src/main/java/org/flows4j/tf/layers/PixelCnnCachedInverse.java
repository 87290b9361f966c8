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
 * whose column falls outside the image are computed and set to zero, as "SAME" padding reads them): {@code w + (h −
 * 1)(m + 1)} iterations instead of {@code h·w}.
 *
 * <p>The cache is a window, not the image: a tap (a rows up, b columns right) of front t's pixel in row r reads the
 * pixel of front {@code t − (a(m + 1) − b)} in row {@code r − a}, a fixed offset, so each layer keeps its features
 * of the last {@code m² + 2m} fronts ({@code [m² + 2m, h + m, batch, features]}, m zero rows on top for the rows
 * above the image). An iteration reads every layer's masked taps with one gather of constant indices from that
 * window, applies the masked kernel (only the masked taps' rows, and the centre for mask-B layers, whose input is
 * the layer below on the same front) as one matrix product, and pushes its front into the window; the {@code 1×1}
 * output layer gives the shifts and scales, and the pixels' values are solved, pushed into the image's window and
 * written at row t of a {@code [fronts, h, batch, c]} result, turned back into an image after the loop. Nothing per
 * iteration touches a tensor of the image's size. Exact: each value is computed from the same inputs with the same
 * weights as in the forward network. The loop's result carries no gradient.
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
   * x from {@code v} ({@code [batch, h, w, c]}, in visiting order), with {@code weights} from
   * {@link PixelCnnNet#weights}.
   */
  Operand<T> solve(Ops tf, Operand<T> v, List<Operand<T>> weights) {
    int k = net.kernelSize();
    int m = k / 2;
    int layers = net.layers();
    int features = net.width();
    int fronts = fronts(m);
    int slots = m * m + 2 * m; // fronts t − 1 … t − slots: the farthest tap back is (m rows up, m columns left)
    int paddedRows = height + m;
    int[][] taps = maskedTaps(k);
    int[][] reads = new int[taps.length][height];
    for (int i = 0; i < taps.length; i++) {
      int up = m - taps[i][0];
      int right = taps[i][1] - m;
      int slot = (m + 1) * up - right - 1; // the tap's pixel is on front t − ((m + 1)·up − right)
      for (int r = 0; r < height; r++) {
        reads[i][r] = slot * paddedRows + (m - up + r);
      }
    }
    boolean[][] valid = new boolean[fronts][height];
    int[][][] skew = new int[fronts][height][];
    for (int t = 0; t < fronts; t++) {
      for (int r = 0; r < height; r++) {
        int c = t - r * (m + 1);
        valid[t][r] = c >= 0 && c < width;
        skew[t][r] = new int[] {r, Math.max(0, Math.min(width - 1, c))};
      }
    }
    int[][][] unskew = new int[height][width][];
    for (int r = 0; r < height; r++) {
      for (int c = 0; c < width; c++) {
        unskew[r][c] = new int[] {c + r * (m + 1), r};
      }
    }

    // The kernels as matrices over the masked taps (in the order of `taps`), then the centre for mask-B layers.
    List<Operand<?>> kernels = new ArrayList<>();
    for (int layer = 0; layer < layers; layer++) {
      int in = layer == 0 ? channels : features;
      int[] rows = new int[taps.length + (layer == 0 ? 0 : 1)];
      for (int i = 0; i < taps.length; i++) {
        rows[i] = taps[i][0] * k + taps[i][1];
      }
      if (layer > 0) {
        rows[taps.length] = m * k + m;
      }
      Operand<T> perTap = tf.reshape(weights.get(2 * layer), tf.constant(new int[] {k * k, in, features}));
      kernels.add(tf.reshape(tf.gather(perTap, tf.constant(rows), tf.constant(0)),
          tf.constant(new int[] {rows.length * in, features})));
      kernels.add(weights.get(2 * layer + 1));
    }
    kernels.add(tf.reshape(weights.get(2 * layers), tf.constant(new int[] {features, 2 * channels})));
    kernels.add(weights.get(2 * layers + 1));

    Operand<T> target = tf.gatherNd(tf.linalg.transpose(v, tf.constant(new int[] {1, 2, 0, 3})),
        tf.constant(skew)); // [fronts, h, batch, c]
    Operand<TInt32> batch = tf.slice(tf.shape(v), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    List<Operand<?>> initial = new ArrayList<>(List.of(tf.constant(0), target,
        zeros(tf, new int[] {fronts, height}, batch, channels), zeros(tf, new int[] {slots, paddedRows}, batch,
            channels)));
    for (int layer = 1; layer < layers; layer++) {
      initial.add(zeros(tf, new int[] {slots, paddedRows}, batch, features));
    }
    int fixed = initial.size();
    initial.addAll(kernels);
    List<Operand<?>> out = WhileLoop.run(tf, "pixelcnn_maf_inverse", initial,
        (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(fronts)),
        (f, vars) -> {
          Operand<TInt32> t = WhileLoop.get(vars, 0);
          Operand<TInt32> axis = f.constant(0);
          Operand<TBool> onImage = f.reshape(f.gather(f.constant(valid), t, axis),
              f.constant(new int[] {height, 1, 1})); // SelectV2 broadcasts: one flag per row
          List<Operand<T>> ws = WhileLoop.getFrom(vars, fixed);
          List<Operand<?>> next = new ArrayList<>(vars);
          Operand<T> centre = null;
          for (int layer = 0; layer < layers; layer++) {
            int in = layer == 0 ? channels : features;
            Operand<T> window = WhileLoop.get(vars, 3 + layer); // [slots, h + m, batch, in]: fronts t − 1, t − 2, …
            Operand<T> read = f.gather(f.reshape(window, f.constant(new int[] {slots * paddedRows, -1, in})),
                f.constant(reads), axis); // [taps, h, batch, in]
            Operand<T> patches = f.reshape(f.linalg.transpose(read, f.constant(new int[] {1, 2, 0, 3})),
                f.constant(new int[] {height, -1, taps.length * in}));
            if (centre != null) {
              patches = f.concat(List.of(patches, centre), f.constant(2));
            }
            int inputs = (taps.length + (centre != null ? 1 : 0)) * in;
            Operand<T> hidden = net.activate(f, f.math.add(f.linalg.matMul(
                f.reshape(patches, f.constant(new int[] {-1, inputs})), ws.get(2 * layer)), ws.get(2 * layer + 1)));
            centre = onImage(f, onImage, f.reshape(hidden, f.constant(new int[] {height, -1, features})));
            if (layer < layers - 1) {
              next.set(4 + layer, push(f, WhileLoop.get(vars, 4 + layer), centre, m, slots));
            }
          }
          Operand<T> raw = f.math.add(f.linalg.matMul(f.reshape(centre, f.constant(new int[] {-1, features})),
              ws.get(2 * layers)), ws.get(2 * layers + 1));
          Operand<T> known = f.reshape(f.gather(WhileLoop.<T>get(vars, 1), t, axis),
              f.constant(new int[] {-1, channels}));
          Operand<T> solved = onImage(f, onImage, f.reshape(affine.inverse(f, known, raw).value(),
              f.constant(new int[] {height, -1, channels})));
          next.set(2, f.tensorScatterNdUpdate(WhileLoop.<T>get(vars, 2), f.reshape(t, f.constant(new int[] {1, 1})),
              f.expandDims(solved, axis)));
          next.set(3, push(f, WhileLoop.get(vars, 3), solved, m, slots));
          next.set(0, f.math.add(t, f.constant(1)));
          return next;
        });
    Operand<T> image = tf.gatherNd(WhileLoop.<T>get(out, 2), tf.constant(unskew)); // [h, w, batch, c]
    return tf.linalg.transpose(image, tf.constant(new int[] {2, 0, 1, 3}));
  }

  /** The taps of mask A ({@code [row, column]} in the kernel): the rows above the centre, then left of it. */
  private static int[][] maskedTaps(int k) {
    int m = k / 2;
    List<int[]> taps = new ArrayList<>();
    for (int row = 0; row <= m; row++) {
      for (int column = 0; column < (row < m ? k : m); column++) {
        taps.add(new int[] {row, column});
      }
    }
    return taps.toArray(new int[0][]);
  }

  /** {@code x} where the front's pixel lies on the image, zero elsewhere ("SAME" zero padding). */
  private Operand<T> onImage(Ops f, Operand<TBool> onImage, Operand<T> x) {
    return f.select(onImage, x, f.zerosLike(x));
  }

  /** The window with front t's values first (m zero rows above them) and its oldest front dropped. */
  private Operand<T> push(Ops f, Operand<T> window, Operand<T> front, int m, int slots) {
    Operand<T> newest = f.pad(f.expandDims(front, f.constant(0)),
        f.constant(new int[][] {{0, 0}, {m, 0}, {0, 0}, {0, 0}}), Tensors.scalar(f, 0.0, type));
    if (slots == 1) {
      return newest;
    }
    Operand<T> kept = f.slice(window, f.constant(new int[] {0, 0, 0, 0}), f.constant(new int[] {slots - 1, -1, -1,
        -1}));
    return f.concat(List.of(newest, kept), f.constant(0));
  }

  /** Zeros {@code [leading..., batch, features]}. */
  private Operand<T> zeros(Ops tf, int[] leading, Operand<TInt32> batch, int features) {
    Operand<TInt32> shape = tf.concat(List.of(tf.constant(leading), batch, tf.constant(new int[] {features})),
        tf.constant(0));
    return tf.fill(shape, Tensors.scalar(tf, 0.0, type));
  }
}
