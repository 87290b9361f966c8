package org.flows4j.tf.layers;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Random;
import org.flows4j.api.Shape;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.flows4j.tf.graph.WhileLoop;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * The emerging convolution of Hoogeboom, van den Berg and Welling (2019): {@code z = conv(conv(x, F₁), F₂)} with
 * "SAME" zero padding and two masked {@code k×k} filters (layout {@code [k, k, c_in, c_out]}, centre tap
 * {@code m = k/2}).
 *
 * <ul>
 *   <li>{@code F₁ = K₁ ⊙ M₁ + E ⊙ exp(logs₁)}: M₁ keeps the taps above the centre row, the taps left of the centre
 *       on the centre row, and at the centre the inputs of earlier channels ({@code i < o}). So output
 *       {@code (r, col, o)} reads only inputs before it in raster order over (row, column, channel) plus itself
 *       with weight {@code exp(logs₁[o])} (E is 1 at the centre diagonal): the Jacobian is lower triangular in
 *       raster order with that diagonal.
 *   <li>{@code F₂ = K₂ ⊙ M₂ + E ⊙ exp(logs₂)}, M₂ being M₁ mirrored (taps after the centre, later channels): upper
 *       triangular.
 * </ul>
 *
 * <p>Both supports contain the centre, so the composition sees at least the full {@code k×k} neighbourhood; and
 * {@code log|det| = h·w·(Σ logs₁ + Σ logs₂)}.
 *
 * <p>The diagonal is {@code exp(logs)} rather than fixed to 1. The authors' code fixes both centre diagonals to 1
 * (its masks zero the centre diagonal and each factor adds its input back, a volume-preserving MAF with shift only)
 * and puts one learned per-channel scale before the pair and a bias after it: {@code z = F₂'(F₁'(s ⊙ x)) + b}. That
 * map is one of ours (take {@code F₁ = F₁'·diag(s)}, whose diagonal is s, and {@code logs₂ = 0}) except for the
 * bias, which the actNorm before every emerging convolution in our presets provides. The diagonal never reaches 0,
 * so the step is invertible whatever the weights.
 *
 * <p>Inverse: exact back-substitution in the graph. A functional while loop visits the {@code h·w·c} positions in
 * raster order (reversed for F₂); at position p it sets {@code x_p ← x_p + (z_p − conv(x, F)_p) / diag}, which
 * solves row p exactly because every other value it reads is already solved. One convolution per position, so the
 * inverse costs {@code h·w·c} convolutions per factor; its outputs carry no gradient.
 */
final class EmergingConvLayer<T extends TFloating> extends AbstractLayer<T, EmergingConv> {
  /** Standard deviation of the initial masked weights. */
  private static final double INIT_SCALE = 0.05;

  private final int height;
  private final int width;
  private final int channels;
  private final Operand<T> causalMask;
  private final Operand<T> anticausalMask;
  private final Operand<T> centreDiagonal;
  private final Variable<T> kernel1;
  private final Variable<T> logScale1;
  private final Variable<T> kernel2;
  private final Variable<T> logScale2;

  EmergingConvLayer(Ops tf, EmergingConv spec, Shape shape, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    height = shape.dim(0);
    width = shape.dim(1);
    channels = shape.dim(2);
    int k = spec.kernelSize();
    int c = channels;
    int m = k / 2;
    long[] kernelShape = {k, k, c, c};
    int size = k * k * c * c;
    double[] causal = new double[size];
    double[] anticausal = new double[size];
    double[] diagonal = new double[size];
    for (int a = 0; a < k; a++) {
      for (int b = 0; b < k; b++) {
        for (int i = 0; i < c; i++) {
          for (int o = 0; o < c; o++) {
            int index = ((a * k + b) * c + i) * c + o;
            int tap = Integer.compare(a * k + b, m * k + m); // raster order of the tap against the centre
            causal[index] = tap < 0 || (tap == 0 && i < o) ? 1 : 0;
            anticausal[index] = tap > 0 || (tap == 0 && i > o) ? 1 : 0;
            diagonal[index] = tap == 0 && i == o ? 1 : 0;
          }
        }
      }
    }
    causalMask = Tensors.constant(tf, causal, kernelShape, type);
    anticausalMask = Tensors.constant(tf, anticausal, kernelShape, type);
    centreDiagonal = Tensors.constant(tf, diagonal, kernelShape, type);
    kernel1 = parameters.fromValues(tf, "kernel_causal", kernelShape,
        gaussian(size, parameters.nextHostSeed(), causal));
    logScale1 = parameters.fromValues(tf, "log_scale_causal", new long[] {c}, new double[c]);
    kernel2 = parameters.fromValues(tf, "kernel_anticausal", kernelShape,
        gaussian(size, parameters.nextHostSeed(), anticausal));
    logScale2 = parameters.fromValues(tf, "log_scale_anticausal", new long[] {c}, new double[c]);
  }

  /** Small Gaussian weights where the mask is 1, zeros elsewhere (the masked-out entries are never read). */
  private static double[] gaussian(int size, long seed, double[] mask) {
    Random random = new Random(seed);
    double[] values = new double[size];
    for (int i = 0; i < size; i++) {
      values[i] = mask[i] * INIT_SCALE * random.nextGaussian();
    }
    return values;
  }

  private Operand<T> filter(Ops tf, Operand<T> kernel, Operand<T> mask, Operand<T> logScale) {
    return tf.math.add(tf.math.mul(kernel, mask), tf.math.mul(centreDiagonal, tf.math.exp(logScale)));
  }

  private static <T extends TFloating> Operand<T> conv(Ops tf, Operand<T> x, Operand<T> filter) {
    return tf.nn.conv2d(x, filter, List.of(1L, 1L, 1L, 1L), "SAME");
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> y = conv(tf, x, filter(tf, kernel1, causalMask, logScale1));
    Operand<T> z = conv(tf, y, filter(tf, kernel2, anticausalMask, logScale2));
    return new Transformed<>(z, logDet(tf, x, 1.0));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> z, PassContext<T> context) {
    Operand<T> y = solve(tf, z, filter(tf, kernel2, anticausalMask, logScale2), logScale2, true);
    Operand<T> x = solve(tf, y, filter(tf, kernel1, causalMask, logScale1), logScale1, false);
    return new Transformed<>(x, logDet(tf, z, -1.0));
  }

  private Operand<T> logDet(Ops tf, Operand<T> x, double sign) {
    Operand<T> sum = tf.math.add(tf.reduceSum(logScale1, tf.constant(0)), tf.reduceSum(logScale2, tf.constant(0)));
    return Tensors.perExample(tf, tf.math.mul(sum, Tensors.scalar(tf, sign * height * width, type)), x);
  }

  /**
   * Solves {@code conv(x, filter) = z} for a filter whose Jacobian is triangular in raster order (upper triangular,
   * so visited backwards, when {@code backwards}) by back-substitution, one position per loop iteration.
   */
  private Operand<T> solve(Ops tf, Operand<T> z, Operand<T> filter, Operand<T> logScale, boolean backwards) {
    int positions = height * width * channels;
    Class<T> t = type;
    int h = height;
    int w = width;
    int c = channels;
    List<Operand<?>> initial = List.of(tf.constant(0), z, z, filter, tf.math.exp(tf.math.neg(logScale)));
    List<Operand<?>> out = WhileLoop.run(tf, backwards ? "emerging_solve_anticausal" : "emerging_solve_causal",
        initial,
        (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(positions)),
        (f, vars) -> {
          Operand<TInt32> step = WhileLoop.get(vars, 0);
          Operand<T> x = WhileLoop.get(vars, 1);
          Operand<T> target = WhileLoop.get(vars, 2);
          Operand<T> kernel = WhileLoop.get(vars, 3);
          Operand<T> inverseDiagonal = WhileLoop.get(vars, 4);
          Operand<TInt32> position = backwards ? f.math.sub(f.constant(positions - 1), step) : step;
          Operand<T> unit = f.reshape(
              f.oneHot(position, f.constant(positions), Tensors.scalar(f, 1.0, t), Tensors.scalar(f, 0.0, t)),
              f.constant(new int[] {1, h, w, c}));
          Operand<T> residual = f.math.sub(target, conv(f, x, kernel));
          Operand<T> next = f.math.add(x, f.math.mul(unit, f.math.mul(residual, inverseDiagonal)));
          return List.of(f.math.add(step, f.constant(1)), next, target, kernel, inverseDiagonal);
        });
    return WhileLoop.get(out, 1);
  }

  @Override
  public List<Variable<T>> variables() {
    return ImmutableList.of(kernel1, logScale1, kernel2, logScale2);
  }
}
