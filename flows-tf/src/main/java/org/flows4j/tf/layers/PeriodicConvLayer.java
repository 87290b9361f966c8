package org.flows4j.tf.layers;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.flows4j.api.Shape;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * The periodic convolution of Hoogeboom, van den Berg and Welling (2019): a {@code k×k} convolution with kernel
 * {@code K [k, k, c_in, c_out]} and circular boundaries,
 * {@code z[r, s, o] = Σ_{a,b,i} x[(r + a − p) mod h, (s + b − p') mod w, i] · K[a, b, i, o]} with
 * {@code p = p' = (k − 1)/2} (rounded down).
 *
 * <p>Forward: the image is wrapped by concatenating slices of itself, then a "VALID" convolution. Under the 2-D DFT
 * {@code x̂[u, v] = Σ_{r,s} x[r, s]·e^{−2πi(ur/h + vs/w)}} the map is {@code ẑ(u, v) = K̂(u, v)·x̂(u, v)} per
 * frequency with the {@code c×c} complex matrix
 * {@code K̂(u, v)[o, i] = Σ_{a,b} K[a, b, i, o]·e^{+2πi(u(a−p)/h + v(b−p')/w)}}, so
 * {@code log|det J| = Σ_{u,v} log|det K̂(u, v)|} (the DFT's scaling cancels). With {@code K̂ = A + iB},
 * {@code |det K̂|² = det [[A, −B], [B, A]]}, so each term is half the log-det of a real {@code 2c×2c} matrix:
 * everything is real matmuls and {@code LogMatrixDeterminant}, no complex or FFT ops (which have no gradients).
 *
 * <p>Inverse: DFT of z by explicit cosine/sine matrices, one real {@code 2c×2c} solve per frequency, inverse DFT.
 * Cost {@code O((hw)²·c)} for the DFTs, fine for the small images flows use at this size.
 *
 * <p>Starts near the identity: centre tap {@code I}, every tap plus N(0, 0.05²) noise.
 */
final class PeriodicConvLayer<T extends TFloating> extends AbstractLayer<T, PeriodicConv> {
  private static final double INIT_SCALE = 0.05;

  private final int height;
  private final int width;
  private final int channels;
  private final int kernelSize;
  private final int before;
  private final Variable<T> kernel;
  /** {@code [hw, k²]}: cos and sin of the tap phases {@code 2π(u(a−p)/h + v(b−p')/w)}. */
  private final Operand<T> tapCos;
  private final Operand<T> tapSin;
  /** {@code [hw, hw]}: cos and sin of {@code 2π(ur/h + vs/w)}, frequencies × positions (symmetric). */
  private final Operand<T> dftCos;
  private final Operand<T> dftSin;

  PeriodicConvLayer(Ops tf, PeriodicConv spec, Shape shape, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    height = shape.dim(0);
    width = shape.dim(1);
    channels = shape.dim(2);
    kernelSize = spec.kernelSize();
    before = (kernelSize - 1) / 2;
    int k = kernelSize;
    int c = channels;
    int n = height * width;
    double[] values = new double[k * k * c * c];
    Random random = new Random(parameters.nextHostSeed());
    for (int index = 0; index < values.length; index++) {
      values[index] = INIT_SCALE * random.nextGaussian();
    }
    for (int i = 0; i < c; i++) {
      values[((before * k + before) * c + i) * c + i] += 1;
    }
    kernel = parameters.fromValues(tf, "kernel", new long[] {k, k, c, c}, values);
    double[] tc = new double[n * k * k];
    double[] ts = new double[n * k * k];
    double[] fc = new double[n * n];
    double[] fs = new double[n * n];
    for (int u = 0; u < height; u++) {
      for (int v = 0; v < width; v++) {
        int f = u * width + v;
        for (int a = 0; a < k; a++) {
          for (int b = 0; b < k; b++) {
            double phase = 2 * Math.PI * (u * (double) (a - before) / height + v * (double) (b - before) / width);
            tc[f * k * k + a * k + b] = Math.cos(phase);
            ts[f * k * k + a * k + b] = Math.sin(phase);
          }
        }
        for (int r = 0; r < height; r++) {
          for (int s = 0; s < width; s++) {
            // Reduced mod 1 before scaling, so the phase stays small and exact.
            double turns = ((u * r) % height) / (double) height + ((v * s) % width) / (double) width;
            fc[f * n + r * width + s] = Math.cos(2 * Math.PI * turns);
            fs[f * n + r * width + s] = Math.sin(2 * Math.PI * turns);
          }
        }
      }
    }
    tapCos = Tensors.constant(tf, tc, new long[] {n, k * k}, type);
    tapSin = Tensors.constant(tf, ts, new long[] {n, k * k}, type);
    dftCos = Tensors.constant(tf, fc, new long[] {n, n}, type);
    dftSin = Tensors.constant(tf, fs, new long[] {n, n}, type);
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> wrapped = wrap(tf, wrap(tf, x, 1, height), 2, width);
    Operand<T> z = tf.nn.conv2d(wrapped, kernel, List.of(1L, 1L, 1L, 1L), "VALID");
    return new Transformed<>(z, Tensors.perExample(tf, logAbsDet(tf), x));
  }

  /** Circular padding along {@code axis}: the last {@code before} rows in front, the first {@code after} behind. */
  private Operand<T> wrap(Ops tf, Operand<T> x, int axis, int length) {
    int after = kernelSize - 1 - before;
    List<Operand<T>> parts = new ArrayList<>();
    if (before > 0) {
      parts.add(slice(tf, x, axis, length - before, length));
    }
    parts.add(x);
    if (after > 0) {
      parts.add(slice(tf, x, axis, 0, after));
    }
    return parts.size() == 1 ? x : tf.concat(parts, tf.constant(axis));
  }

  /** StridedSlice (its gradient is registered) of {@code [from, to)} along {@code axis} of a rank-4 batch. */
  private static <T extends TFloating> Operand<T> slice(Ops tf, Operand<T> x, int axis, int from, int to) {
    return axis == 1
        ? tf.stridedSlice(x, Indices.all(), Indices.slice(from, to))
        : tf.stridedSlice(x, Indices.all(), Indices.all(), Indices.slice(from, to));
  }

  /** {@code [hw, 2c, 2c]}: {@code [[A, −B], [B, A]]} for {@code K̂(u, v) = A + iB}, per frequency. */
  private Operand<T> blockSpectrum(Ops tf) {
    int c = channels;
    int n = height * width;
    Operand<T> flat = tf.reshape(kernel, tf.constant(new int[] {kernelSize * kernelSize, c * c}));
    int[] perm = {0, 2, 1}; // [f, i, o] → [f, o, i]
    Operand<T> real = tf.linalg.transpose(
        tf.reshape(tf.linalg.matMul(tapCos, flat), tf.constant(new int[] {n, c, c})), tf.constant(perm));
    Operand<T> imaginary = tf.linalg.transpose(
        tf.reshape(tf.linalg.matMul(tapSin, flat), tf.constant(new int[] {n, c, c})), tf.constant(perm));
    Operand<T> top = tf.concat(List.of(real, tf.math.neg(imaginary)), tf.constant(2));
    Operand<T> bottom = tf.concat(List.of(imaginary, real), tf.constant(2));
    return tf.concat(List.of(top, bottom), tf.constant(1));
  }

  private Operand<T> logAbsDet(Ops tf) {
    Operand<T> perFrequency = tf.linalg.logMatrixDeterminant(blockSpectrum(tf)).logAbsDeterminant();
    return tf.math.mul(tf.reduceSum(perFrequency, tf.constant(0)), Tensors.scalar(tf, 0.5, type));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> z, PassContext<T> context) {
    int c = channels;
    int n = height * width;
    // [batch, h, w, c] → [hw, batch·c]
    Operand<T> columns = tf.reshape(
        tf.linalg.transpose(tf.reshape(z, tf.constant(new int[] {-1, n, c})), tf.constant(new int[] {1, 0, 2})),
        tf.constant(new int[] {n, -1}));
    Operand<T> real = tf.reshape(tf.linalg.matMul(dftCos, columns), tf.constant(new int[] {n, -1, c}));
    Operand<T> imaginary = tf.reshape(
        tf.math.neg(tf.linalg.matMul(dftSin, columns)), tf.constant(new int[] {n, -1, c}));
    // [hw, 2c, batch]
    Operand<T> rhs = tf.linalg.transpose(tf.concat(List.of(real, imaginary), tf.constant(2)),
        tf.constant(new int[] {0, 2, 1}));
    Operand<T> solved = tf.linalg.transpose(tf.linalg.solve(blockSpectrum(tf), rhs),
        tf.constant(new int[] {0, 2, 1}));
    List<Operand<T>> halves = List.copyOf(tf.split(tf.constant(2), solved, 2L).output());
    Operand<T> p = tf.reshape(halves.get(0), tf.constant(new int[] {n, -1}));
    Operand<T> q = tf.reshape(halves.get(1), tf.constant(new int[] {n, -1}));
    // x = Re(Σ_f x̂_f e^{+iφ}) / hw = (C p − S q) / hw
    Operand<T> x = tf.math.mul(
        tf.math.sub(tf.linalg.matMul(dftCos, p), tf.linalg.matMul(dftSin, q)), Tensors.scalar(tf, 1.0 / n, type));
    Operand<T> images = tf.reshape(
        tf.linalg.transpose(tf.reshape(x, tf.constant(new int[] {n, -1, c})), tf.constant(new int[] {1, 0, 2})),
        tf.constant(new int[] {-1, height, width, c}));
    Operand<T> logDet = tf.math.neg(logAbsDet(tf));
    return new Transformed<>(images, Tensors.perExample(tf, logDet, z));
  }

  @Override
  public List<Variable<T>> variables() {
    return ImmutableList.of(kernel);
  }
}
