package org.flows4j.tf.layers;

import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Random;
import org.flows4j.api.Shape;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * The emerging convolution of Hoogeboom, van den Berg and Welling (2019), built as the paper and the authors' code
 * (ehoogeboom/emerging, {@code invertible_conv2D_emerging}) build it: {@code z = conv(conv(x, F₁), F₂) + b} with
 * "SAME" zero padding, two {@code [k, k, c, c]} filters ({@code l = (k−1)/2}) and a learned bias b.
 *
 * <ul>
 *   <li>{@code F₁ = W₁ ⊙ M₁}: M₁ keeps the square {@code (l+1)×(l+1)} quadrant of taps at rows ≥ l and columns ≥ l
 *       (so output (r, c) reads inputs at (r..r+l, c..c+l)), and at the centre tap input channel i for output
 *       channel o only when {@code i ≤ o}. Every input it reads lies at a later pixel in raster order, or at the
 *       same pixel and an earlier-or-equal channel: the Jacobian is triangular (pixels in raster order, channels
 *       in reverse within a pixel) with diagonal {@code W₁[l, l, o, o]}.
 *   <li>{@code F₂ = W₂ ⊙ M₂}, M₂ being M₁ flipped along all four axes: the quadrant at rows ≤ l and columns ≤ l
 *       (earlier pixels), channels {@code i ≥ o} at the centre; triangular the other way.
 * </ul>
 *
 * <p>The composition reads offsets (−l..0) + (0..l) = −l..l in each direction: exactly the receptive field of a
 * {@code k×k} convolution, as the paper's construction intends. The diagonals are ordinary learned weights, as in
 * the official code: {@code log|det| = h·w·(Σ_o log|W₁[l,l,o,o]| + Σ_o log|W₂[l,l,o,o]|)}. Both start at the
 * official initialisation, N(0, 0.02²) weights plus the identity at the centre tap, so the step starts near the
 * identity; a diagonal weight that reaches 0 makes the step singular (log-det −∞), as in the official code.
 *
 * <p>Inverse: exact back-substitution in the graph, solving each factor in the order its Jacobian is triangular
 * in, every position from its {@code k×k} neighbourhood only (the convolution reads nothing else), as the authors'
 * Cython solver does. Where we depart is the schedule. Their solver visits one position at a time; here
 * {@link EmergingBlockSolver} cuts the image into blocks of up to 256 values, solves a block's equations at once
 * with the inverse of the factor restricted to a block (triangular, the same for every block), and updates every
 * block in each sweep: {@code rows + columns − 1} sweeps of blocks (3 per factor at the emerging preset's sizes)
 * instead of one loop iteration per position. The result is exact, not iterated to a tolerance, and carries no
 * gradient. (The authors invert outside the graph; this one exports.) What the solve needs from each kernel (the
 * block inverse and the neighbours' terms) is kept between session runs and computed again only when the kernel
 * changed ({@link WeightDerivedCache}, which compares the kernel with the copy it was computed from on every call).
 */
final class EmergingConvLayer<T extends TFloating> extends AbstractLayer<T, EmergingConv> {
  /** Standard deviation of the initial weights around the identity, as in the official code. */
  private static final double INIT_SCALE = 0.02;

  private final int height;
  private final int width;
  private final int channels;
  private final Operand<T> mask1;
  private final Operand<T> mask2;
  private final Operand<T> centreDiagonal;
  private final Variable<T> kernel1;
  private final Variable<T> kernel2;
  private final Variable<T> bias;
  private final EmergingBlockSolver<T> solver;
  /** Each factor's solver operator, kept between calls for as long as its kernel does not change. */
  private final WeightDerivedCache<T> operator1;
  private final WeightDerivedCache<T> operator2;

  EmergingConvLayer(Ops tf, EmergingConv spec, Shape shape, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    height = shape.dim(0);
    width = shape.dim(1);
    channels = shape.dim(2);
    int k = spec.kernelSize();
    int c = channels;
    long[] kernelShape = {k, k, c, c};
    double[] first = squareMask(k, c);
    double[] second = flipped(first, k, c);
    double[] diagonal = new double[k * k * c * c];
    int l = (k - 1) / 2;
    for (int o = 0; o < c; o++) {
      diagonal[index(l, l, o, o, k, c)] = 1;
    }
    mask1 = Tensors.constant(tf, first, kernelShape, type);
    mask2 = Tensors.constant(tf, second, kernelShape, type);
    centreDiagonal = Tensors.constant(tf, diagonal, kernelShape, type);
    kernel1 = parameters.fromValues(tf, "kernel_1", kernelShape,
        nearIdentity(parameters.nextHostSeed(), first, diagonal));
    kernel2 = parameters.fromValues(tf, "kernel_2", kernelShape,
        nearIdentity(parameters.nextHostSeed(), second, diagonal));
    bias = parameters.filled(tf, "bias", new long[] {c}, 0.0);
    solver = new EmergingBlockSolver<>(height, width, channels, EmergingBlockSolver.MAX_BLOCK_VALUES, type);
    int rows = solver.operatorRows(k);
    int columns = solver.operatorColumns();
    operator1 = new WeightDerivedCache<>(tf, parameters.named("solver_operator_1"), rows, columns, k * k * c * c,
        type);
    operator2 = new WeightDerivedCache<>(tf, parameters.named("solver_operator_2"), rows, columns, k * k * c * c,
        type);
  }

  /** Index of tap (a, b), input channel i, output channel o in a row-major {@code [k, k, c, c]} kernel. */
  static int index(int a, int b, int i, int o, int k, int c) {
    return ((a * k + b) * c + i) * c + o;
  }

  /**
   * The authors' {@code get_conv_square_ar_mask(k, k, c, c)}: ones at rows ≥ l and columns ≥ l, except at the
   * centre tap, where input i feeds output o only if {@code i ≤ o}.
   */
  static double[] squareMask(int k, int c) {
    int l = (k - 1) / 2;
    double[] mask = new double[k * k * c * c];
    for (int a = l; a < k; a++) {
      for (int b = l; b < k; b++) {
        for (int i = 0; i < c; i++) {
          for (int o = 0; o < c; o++) {
            boolean centre = a == l && b == l;
            mask[index(a, b, i, o, k, c)] = !centre || i <= o ? 1 : 0;
          }
        }
      }
    }
    return mask;
  }

  /** The mask flipped along all four axes ({@code mask[::-1, ::-1, ::-1, ::-1]} in the authors' code). */
  static double[] flipped(double[] mask, int k, int c) {
    double[] out = new double[mask.length];
    for (int a = 0; a < k; a++) {
      for (int b = 0; b < k; b++) {
        for (int i = 0; i < c; i++) {
          for (int o = 0; o < c; o++) {
            out[index(a, b, i, o, k, c)] = mask[index(k - 1 - a, k - 1 - b, c - 1 - i, c - 1 - o, k, c)];
          }
        }
      }
    }
    return out;
  }

  /** N(0, 0.02²) weights plus the identity at the centre tap, zero outside the mask (never read there). */
  private static double[] nearIdentity(long seed, double[] mask, double[] diagonal) {
    Random random = new Random(seed);
    double[] values = new double[mask.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = mask[i] * (INIT_SCALE * random.nextGaussian() + diagonal[i]);
    }
    return values;
  }

  private Operand<T> filter(Ops tf, Operand<T> kernel, Operand<T> mask) {
    return tf.math.mul(kernel, mask);
  }

  /** The diagonal of a factor's Jacobian, one value per channel: the centre tap's {@code W[l, l, o, o]}. */
  private Operand<T> diagonal(Ops tf, Operand<T> kernel) {
    return tf.reduceSum(tf.math.mul(kernel, centreDiagonal), tf.constant(new int[] {0, 1, 2}));
  }

  private static <T extends TFloating> Operand<T> conv(Ops tf, Operand<T> x, Operand<T> filter) {
    return tf.nn.conv2d(x, filter, List.of(1L, 1L, 1L, 1L), "SAME");
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> y = conv(tf, x, filter(tf, kernel1, mask1));
    Operand<T> z = tf.math.add(conv(tf, y, filter(tf, kernel2, mask2)), bias);
    return new Transformed<>(z, logDet(tf, x, 1.0));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> z, PassContext<T> context) {
    Operand<T> y = solve(tf, tf.math.sub(z, bias), kernel2, mask2, operator2, true);
    Operand<T> x = solve(tf, y, kernel1, mask1, operator1, false);
    return new Transformed<>(x, logDet(tf, z, -1.0));
  }

  private Operand<T> logDet(Ops tf, Operand<T> x, double sign) {
    Operand<T> sum = tf.math.add(
        tf.reduceSum(tf.math.log(tf.math.abs(diagonal(tf, kernel1))), tf.constant(0)),
        tf.reduceSum(tf.math.log(tf.math.abs(diagonal(tf, kernel2))), tf.constant(0)));
    return Tensors.perExample(tf, tf.math.mul(sum, Tensors.scalar(tf, sign * height * width, type)), x);
  }

  /**
   * Solves {@code conv(x, F₂) = z} ({@code second}) or {@code conv(x, F₁) = z} with {@link EmergingBlockSolver},
   * after bringing the factor to its canonical form (up-left taps, upper-triangular centre): F₂ reads up-left and
   * its centre is lower triangular, so its channels are reversed (in the filter's input and output axes and in the
   * image); F₁ reads down-right with an upper-triangular centre, so the image is turned by 180° and the filter's taps
   * with it ({@code conv(rev(x), rev(F)) = rev(conv(x, F))} for an odd "SAME" kernel). Both are exact permutations,
   * and the filter is the only one permuted: the solver takes the image's permutation as its {@link
   * EmergingBlockSolver.Frame} and folds it into its operator. The operator depends on the kernel only: it comes
   * from {@code cache}, recomputed whenever the kernel differs from the one it was computed from.
   */
  private Operand<T> solve(Ops tf, Operand<T> z, Variable<T> kernel, Operand<T> mask, WeightDerivedCache<T> cache,
      boolean second) {
    int k = spec().kernelSize();
    EmergingBlockSolver.Frame frame = second ? EmergingBlockSolver.Frame.CHANNELS_REVERSED
        : EmergingBlockSolver.Frame.TURNED;
    Operand<TInt32> filterAxes = tf.constant(second ? new int[] {2, 3} : new int[] {0, 1});
    Operand<T> operator = cache.get(tf, tf.identity(kernel),
        current -> solver.operator(tf, tf.reverse(filter(tf, current, mask), filterAxes), k, frame));
    return solver.solveWith(tf, z, operator, k, frame);
  }

  @Override
  public List<Variable<T>> variables() {
    return ImmutableList.of(kernel1, kernel2, bias);
  }
}
