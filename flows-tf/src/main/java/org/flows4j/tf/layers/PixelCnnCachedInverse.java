package org.flows4j.tf.layers;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.graph.WhileLoop;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
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
 * handles one such wavefront t: for each {@code k×k} layer it gathers the neighbourhoods of the wavefront's pixels
 * from the layer below ({@code GatherNd}), applies the masked kernel as one matrix product, and writes the features
 * into that layer's cache ({@code TensorScatterNdUpdate}); the {@code 1×1} output layer then gives the shifts and
 * scales, and the pixels' values are solved and written into the image cache. {@code w + (h − 1)(m + 1)} iterations
 * instead of {@code h·w}, each costing {@code O(pixels on the front × layers × k²·width²)} instead of a network pass
 * over a band of rows.
 *
 * <p>The caches are {@code [h + 2m + 1, w + 2m, batch, features]}: a zero margin of m around the image that is never
 * written (the "SAME" zero padding of every layer), and one spare row at the bottom that takes the writes of the
 * padding entries of fronts shorter than the longest. Exact: each value is computed from the same inputs with the
 * same weights as in the forward network. The loop's result carries no gradient.
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

  /** The pixels of every wavefront, padded to the longest one with {@code -1}. */
  private record Fronts(int count, int longest, int[][] rows, int[][] columns) {}

  private Fronts fronts() {
    int m = net.kernelSize() / 2;
    int count = (width - 1) + (height - 1) * (m + 1) + 1;
    List<List<int[]>> fronts = new ArrayList<>();
    int longest = 0;
    for (int t = 0; t < count; t++) {
      List<int[]> front = new ArrayList<>();
      for (int r = 0; r < height; r++) {
        int c = t - r * (m + 1);
        if (c >= 0 && c < width) {
          front.add(new int[] {r, c});
        }
      }
      fronts.add(front);
      longest = Math.max(longest, front.size());
    }
    int[][] rows = new int[count][longest];
    int[][] columns = new int[count][longest];
    for (int t = 0; t < count; t++) {
      for (int i = 0; i < longest; i++) {
        boolean real = i < fronts.get(t).size();
        rows[t][i] = real ? fronts.get(t).get(i)[0] : -1;
        columns[t][i] = real ? fronts.get(t).get(i)[1] : -1;
      }
    }
    return new Fronts(count, longest, rows, columns);
  }

  /** {@code [count][longest][2]}: where each pixel of each front is written in a cache (spare row for padding). */
  private int[][][] cacheIndices(Fronts fronts, int m) {
    int[][][] out = new int[fronts.count()][fronts.longest()][];
    for (int t = 0; t < fronts.count(); t++) {
      for (int i = 0; i < fronts.longest(); i++) {
        int r = fronts.rows()[t][i];
        out[t][i] = r < 0 ? new int[] {height + 2 * m, 0} : new int[] {r + m, fronts.columns()[t][i] + m};
      }
    }
    return out;
  }

  /** {@code [count][longest][2]}: where each pixel of each front is read in the image (any pixel for padding). */
  private int[][][] imageIndices(Fronts fronts) {
    int[][][] out = new int[fronts.count()][fronts.longest()][];
    for (int t = 0; t < fronts.count(); t++) {
      for (int i = 0; i < fronts.longest(); i++) {
        int r = fronts.rows()[t][i];
        out[t][i] = r < 0 ? new int[] {0, 0} : new int[] {r, fronts.columns()[t][i]};
      }
    }
    return out;
  }

  /** {@code [count][longest][k][k][2]}: the cache entries of each pixel's {@code k×k} neighbourhood. */
  private int[][][][][] neighbourhoods(Fronts fronts, int k) {
    int[][][][][] out = new int[fronts.count()][fronts.longest()][k][k][];
    for (int t = 0; t < fronts.count(); t++) {
      for (int i = 0; i < fronts.longest(); i++) {
        int r = Math.max(0, fronts.rows()[t][i]);
        int c = Math.max(0, fronts.columns()[t][i]);
        for (int a = 0; a < k; a++) {
          for (int b = 0; b < k; b++) {
            // Pixel (r, c) sits at (r + m, c + m) in the cache; its neighbourhood starts m rows and columns before.
            out[t][i][a][b] = new int[] {r + a, c + b};
          }
        }
      }
    }
    return out;
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
    Fronts fronts = fronts();
    int[][][] cacheAt = cacheIndices(fronts, m);
    int[][][] imageAt = imageIndices(fronts);
    int[][][][][] around = neighbourhoods(fronts, k);

    Operand<T> target = tf.linalg.transpose(v, tf.constant(new int[] {1, 2, 0, 3})); // [h, w, batch, c]
    Operand<TInt32> batch = tf.slice(tf.shape(v), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    List<Operand<?>> initial = new ArrayList<>(List.of(tf.constant(0), target, cache(tf, batch, channels, m)));
    for (int layer = 0; layer < layers - 1; layer++) {
      initial.add(cache(tf, batch, features, m));
    }
    int fixed = initial.size();
    initial.addAll(weights);
    List<Operand<?>> out = WhileLoop.run(tf, "pixelcnn_maf_inverse", initial,
        (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(fronts.count())),
        (f, vars) -> {
          Operand<TInt32> t = WhileLoop.get(vars, 0);
          Operand<TInt32> axis = f.constant(0);
          Operand<TInt32> at = f.gather(f.constant(cacheAt), t, axis);
          Operand<TInt32> neighbourhood = f.gather(f.constant(around), t, axis);
          List<Operand<T>> ws = WhileLoop.getFrom(vars, fixed);
          List<Operand<?>> next = new ArrayList<>(vars);
          Operand<T> below = WhileLoop.get(vars, 2);
          Operand<T> hidden = null;
          for (int layer = 0; layer < layers; layer++) {
            int in = layer == 0 ? channels : features;
            // [front, k, k, batch, in] → [front·batch, k·k·in], ordered as the kernel's [k, k, in] rows.
            Operand<T> patches = f.reshape(
                f.linalg.transpose(f.gatherNd(below, neighbourhood), f.constant(new int[] {0, 3, 1, 2, 4})),
                f.constant(new int[] {-1, k * k * in}));
            Operand<T> kernel = f.reshape(ws.get(2 * layer), f.constant(new int[] {k * k * in, features}));
            hidden = net.activate(f, f.math.add(f.linalg.matMul(patches, kernel), ws.get(2 * layer + 1)));
            if (layer < layers - 1) {
              Operand<T> updated = f.tensorScatterNdUpdate(WhileLoop.<T>get(vars, 3 + layer), at,
                  f.reshape(hidden, f.constant(new int[] {fronts.longest(), -1, features})));
              next.set(3 + layer, updated);
              below = updated;
            }
          }
          Operand<T> outKernel = f.reshape(ws.get(2 * layers), f.constant(new int[] {features, 2 * channels}));
          Operand<T> raw = f.math.add(f.linalg.matMul(hidden, outKernel), ws.get(2 * layers + 1));
          Operand<T> known = f.reshape(f.gatherNd(WhileLoop.<T>get(vars, 1), f.gather(f.constant(imageAt), t, axis)),
              f.constant(new int[] {-1, channels}));
          Operand<T> solved = f.reshape(affine.inverse(f, known, raw).value(),
              f.constant(new int[] {fronts.longest(), -1, channels}));
          next.set(2, f.tensorScatterNdUpdate(WhileLoop.<T>get(vars, 2), at, solved));
          next.set(0, f.math.add(t, f.constant(1)));
          return next;
        });
    Operand<T> image = tf.slice(WhileLoop.<T>get(out, 2), tf.constant(new int[] {m, m, 0, 0}),
        tf.constant(new int[] {height, width, -1, -1}));
    return tf.linalg.transpose(image, tf.constant(new int[] {2, 0, 1, 3}));
  }

  /** A zero cache {@code [h + 2m + 1, w + 2m, batch, features]}. */
  private Operand<T> cache(Ops tf, Operand<TInt32> batch, int features, int m) {
    Operand<TInt32> shape = tf.concat(List.of(tf.constant(new int[] {height + 2 * m + 1, width + 2 * m}), batch,
        tf.constant(new int[] {features})), tf.constant(0));
    return tf.fill(shape, Tensors.scalar(tf, 0.0, type));
  }
}
