package org.flows4j.tf.layers;

import org.flows4j.api.transform.RationalQuadraticSpline;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * The monotone rational-quadratic spline of Durkan et al. 2019 ("Neural Spline Flows", §3.1 and appendix A), applied
 * elementwise: every scalar {@code x} has its own spline, given by raw parameters from a conditioner.
 *
 * <h2>Contract</h2>
 * {@link #forward} takes {@code x} of any shape {@code S} (typically {@code [batch, d]} or {@code [batch, h, w, c]})
 * and raw parameters of shape {@code S + [3K − 1]}, and returns {@code y} and {@code log|dy/dx|}, both of shape
 * {@code S}. {@link #inverse} takes {@code y} and the same parameters and returns {@code x} and
 * {@code log|dx/dy|} (minus the forward log-det at {@code x}). Float32 and float64; graph mode; {@code tf.gradients}
 * (with {@code GradientRegistry} installed, as the compiler does) reaches {@code x}, {@code y} and every parameter
 * through both directions: the bin search is comparisons and a one-hot behind {@code stopGradient}, not
 * {@code SearchSorted}.
 *
 * <h2>Parameter layout (last axis, K = bins)</h2>
 * <ul>
 *   <li>{@code [0, K)}: unnormalised bin widths. {@code w = minBinWidth + (1 − K·minBinWidth)·softmax(·)}, knots
 *       {@code x_0 = −B, x_k = −B + 2B·Σ_{j<k} w_j}, {@code x_K = B}.
 *   <li>{@code [K, 2K)}: unnormalised bin heights, the same way, knots {@code y_k}.
 *   <li>{@code [2K, 3K − 1)}: unnormalised derivatives at the interior knots {@code 1 … K − 1}:
 *       {@code d_k = minDerivative + softplus(u_k + c)}, {@code c = log(exp(1 − minDerivative) − 1)}. The derivatives
 *       at {@code ±B} are exactly 1, matching the identity tails.
 * </ul>
 * The order (widths, heights, derivatives) is nflows' {@code unconstrained_rational_quadratic_spline}.
 *
 * <h2>The map (inside bin k, identity outside [−B, B])</h2>
 * <pre>
 *   θ = (x − x_k) / w_k,   s_k = h_k / w_k,   h_k = y_{k+1} − y_k
 *   y = y_k + h_k·(s_k θ² + d_k θ(1−θ)) / (s_k + (d_k + d_{k+1} − 2 s_k) θ(1−θ))
 *   dy/dx = s_k² (d_{k+1} θ² + 2 s_k θ(1−θ) + d_k (1−θ)²) / (s_k + (d_k + d_{k+1} − 2 s_k) θ(1−θ))²
 * </pre>
 * The inverse solves {@code aθ² + bθ + c = 0} with {@code a = h_k(s_k − d_k) + (y − y_k)·δ},
 * {@code b = h_k d_k − (y − y_k)·δ}, {@code c = −s_k (y − y_k)}, {@code δ = d_k + d_{k+1} − 2 s_k}, by the root that
 * lies in [0, 1] written without cancellation: {@code θ = 2c / (−b − √(b² − 4ac))}.
 *
 * <h2>Where this departs from nflows, and why</h2>
 * <ul>
 *   <li>The interior derivatives carry the shift {@code c}, so raw parameters of zero give {@code d_k = 1} and, with
 *       uniform widths and heights, exactly the identity: a conditioner whose last layer starts at zero starts the
 *       coupling at the identity, as flows4j's affine couplings do. nflows uses {@code c} only for the two boundary
 *       derivatives (there it makes them {@code 1} up to rounding; here they are the constant 1), and its zero
 *       parameters give interior derivatives {@code minDerivative + log 2}. Shifting the raw value is a
 *       reparameterisation: the set of reachable splines is the same.
 *   <li>Outside [−B, B] the identity is chosen with {@code Select}, and the spline is evaluated at 0 there, so the
 *       tails are bitwise {@code y = x} with log-det exactly 0 and no NaN or Inf can leak into values or gradients
 *       from the unselected branch (for any finite or infinite {@code x}).
 *   <li>nflows divides the unnormalised widths and heights by {@code √hidden} inside its coupling; that scaling
 *       belongs to the conditioner and is not part of this transform.
 * </ul>
 */
final class RationalQuadraticSplineTransform {
  private RationalQuadraticSplineTransform() {}

  /** An elementwise result: the values and the log-derivative per scalar, both of the input's shape. */
  record Elementwise<T extends TFloating>(Operand<T> value, Operand<T> logDet) {}

  /** {@code x ↦ (y, log|dy/dx|)}: {@code x} of shape S, {@code params} of shape {@code S + [3K − 1]}. */
  static <T extends TFloating> Elementwise<T> forward(
      Ops tf, Operand<T> x, Operand<T> params, RationalQuadraticSpline spline, Class<T> type) {
    checkShapes(x, params, spline);
    Operand<TInt32> shape = tf.shape(x);
    Operand<T> flat = tf.reshape(x, tf.constant(new int[] {-1}));
    Knots<T> knots = Knots.of(tf, params, spline, type);
    Operand<TBool> inside = inside(tf, flat, spline.bound(), type);
    Operand<T> zeros = tf.stopGradient(tf.zerosLike(flat));
    // The spline sees 0 outside [−B, B]: finite values there, so the Select's unused branch is harmless.
    Operand<T> safe = tf.select(inside, flat, zeros);
    Bin<T> bin = Bin.of(tf, knots, knots.xs(), safe, spline.bins(), type);

    Operand<T> theta = tf.math.div(tf.math.sub(safe, bin.left()), bin.width());
    Operand<T> oneMinus = tf.math.sub(one(tf, type), theta);
    Operand<T> thetaOneMinus = tf.math.mul(theta, oneMinus);
    Operand<T> numerator = tf.math.mul(bin.height(),
        tf.math.add(tf.math.mul(bin.slope(), tf.math.square(theta)), tf.math.mul(bin.dLeft(), thetaOneMinus)));
    Operand<T> denominator = denominator(tf, bin, thetaOneMinus, type);
    Operand<T> y = tf.math.add(bin.bottom(), tf.math.div(numerator, denominator));
    Operand<T> logDet = logDerivative(tf, bin, theta, oneMinus, thetaOneMinus, denominator, type);

    return new Elementwise<>(
        tf.reshape(tf.select(inside, y, flat), shape), tf.reshape(tf.select(inside, logDet, zeros), shape));
  }

  /** {@code y ↦ (x, log|dx/dy|)}: the analytic inverse of {@link #forward} with the same parameters. */
  static <T extends TFloating> Elementwise<T> inverse(
      Ops tf, Operand<T> y, Operand<T> params, RationalQuadraticSpline spline, Class<T> type) {
    checkShapes(y, params, spline);
    Operand<TInt32> shape = tf.shape(y);
    Operand<T> flat = tf.reshape(y, tf.constant(new int[] {-1}));
    Knots<T> knots = Knots.of(tf, params, spline, type);
    Operand<TBool> inside = inside(tf, flat, spline.bound(), type);
    Operand<T> zeros = tf.stopGradient(tf.zerosLike(flat));
    Operand<T> safe = tf.select(inside, flat, zeros);
    Bin<T> bin = Bin.of(tf, knots, knots.ys(), safe, spline.bins(), type);

    Operand<T> rise = tf.math.sub(safe, bin.bottom());
    Operand<T> curvature = curvature(tf, bin, type);
    Operand<T> a = tf.math.add(
        tf.math.mul(bin.height(), tf.math.sub(bin.slope(), bin.dLeft())), tf.math.mul(rise, curvature));
    Operand<T> b = tf.math.sub(tf.math.mul(bin.height(), bin.dLeft()), tf.math.mul(rise, curvature));
    Operand<T> c = tf.math.neg(tf.math.mul(bin.slope(), rise));
    // b² − 4ac > 0 for a strictly monotone bin (the root is simple); the clamp only absorbs rounding.
    Operand<T> discriminant = tf.math.maximum(
        tf.math.sub(tf.math.square(b), tf.math.mul(scalar(tf, 4.0, type), tf.math.mul(a, c))), scalar(tf, 0.0, type));
    // −b − √disc < 0 always (b ≤ 0 forces a > 0 and then √disc > |b|), and c ≤ 0, so θ ≥ 0 with no cancellation.
    Operand<T> theta = tf.math.div(tf.math.mul(scalar(tf, 2.0, type), c),
        tf.math.sub(tf.math.neg(b), tf.math.sqrt(discriminant)));
    Operand<T> x = tf.math.add(bin.left(), tf.math.mul(theta, bin.width()));

    Operand<T> oneMinus = tf.math.sub(one(tf, type), theta);
    Operand<T> thetaOneMinus = tf.math.mul(theta, oneMinus);
    Operand<T> denominator = denominator(tf, bin, thetaOneMinus, type);
    Operand<T> logDet = tf.math.neg(logDerivative(tf, bin, theta, oneMinus, thetaOneMinus, denominator, type));

    return new Elementwise<>(
        tf.reshape(tf.select(inside, x, flat), shape), tf.reshape(tf.select(inside, logDet, zeros), shape));
  }

  /**
   * Rejects, where the static shapes tell, parameters whose last axis is not {@code 3K − 1} or whose leading axes
   * are not the input's: the flattening below would otherwise pair scalars with the wrong parameters silently.
   */
  static void checkShapes(Operand<?> input, Operand<?> params, RationalQuadraticSpline spline) {
    Shape in = input.shape();
    Shape p = params.shape();
    if (p.isUnknown()) {
      return;
    }
    long last = p.get(p.numDimensions() - 1);
    if (p.numDimensions() == 0 || (last != Shape.UNKNOWN_SIZE && last != spline.parametersPerScalar())) {
      throw new IllegalArgumentException("spline parameters must have " + spline.parametersPerScalar()
          + " values per scalar on their last axis (3 * bins - 1 for " + spline.bins() + " bins), but have shape " + p);
    }
    if (in.isUnknown()) {
      return;
    }
    boolean matches = p.numDimensions() == in.numDimensions() + 1;
    for (int i = 0; matches && i < in.numDimensions(); i++) {
      long a = in.get(i);
      long b = p.get(i);
      matches = a == Shape.UNKNOWN_SIZE || b == Shape.UNKNOWN_SIZE || a == b;
    }
    if (!matches) {
      throw new IllegalArgumentException("spline parameters must have shape input + [" + spline.parametersPerScalar()
          + "], but the input has shape " + in + " and the parameters " + p);
    }
  }

  /** The shift {@code c} that makes a raw derivative of 0 give {@code d = 1}: {@code log(exp(1 − min) − 1)}. */
  static double derivativeShift(double minDerivative) {
    return Math.log(Math.expm1(1.0 - minDerivative));
  }

  private static <T extends TFloating> Operand<TBool> inside(Ops tf, Operand<T> v, double bound, Class<T> type) {
    return tf.math.logicalAnd(tf.math.greaterEqual(v, scalar(tf, -bound, type)),
        tf.math.lessEqual(v, scalar(tf, bound, type)));
  }

  /** {@code d_k + d_{k+1} − 2 s_k}. */
  private static <T extends TFloating> Operand<T> curvature(Ops tf, Bin<T> bin, Class<T> type) {
    return tf.math.sub(tf.math.add(bin.dLeft(), bin.dRight()), tf.math.mul(scalar(tf, 2.0, type), bin.slope()));
  }

  /** {@code s_k + (d_k + d_{k+1} − 2 s_k) θ(1−θ)}, positive. */
  private static <T extends TFloating> Operand<T> denominator(
      Ops tf, Bin<T> bin, Operand<T> thetaOneMinus, Class<T> type) {
    return tf.math.add(bin.slope(), tf.math.mul(curvature(tf, bin, type), thetaOneMinus));
  }

  /** {@code log(s² (d_{k+1} θ² + 2 s θ(1−θ) + d_k (1−θ)²)) − 2 log(denominator)}. */
  private static <T extends TFloating> Operand<T> logDerivative(Ops tf, Bin<T> bin, Operand<T> theta,
      Operand<T> oneMinus, Operand<T> thetaOneMinus, Operand<T> denominator, Class<T> type) {
    Operand<T> inner = tf.math.add(
        tf.math.add(tf.math.mul(bin.dRight(), tf.math.square(theta)),
            tf.math.mul(scalar(tf, 2.0, type), tf.math.mul(bin.slope(), thetaOneMinus))),
        tf.math.mul(bin.dLeft(), tf.math.square(oneMinus)));
    return tf.math.sub(tf.math.add(tf.math.mul(scalar(tf, 2.0, type), tf.math.log(bin.slope())), tf.math.log(inner)),
        tf.math.mul(scalar(tf, 2.0, type), tf.math.log(denominator)));
  }

  private static <T extends TFloating> Operand<T> one(Ops tf, Class<T> type) {
    return scalar(tf, 1.0, type);
  }

  private static <T extends TFloating> Operand<T> scalar(Ops tf, double value, Class<T> type) {
    return Tensors.scalar(tf, value, type);
  }

  /**
   * The knots of every scalar's spline, flattened to {@code [n, K + 1]}: positions {@code xs}, values {@code ys},
   * derivatives {@code ds}. The end knots are written as constants ({@code ±B}, derivative 1), so they are exact.
   */
  private record Knots<T extends TFloating>(Operand<T> xs, Operand<T> ys, Operand<T> ds) {
    static <T extends TFloating> Knots<T> of(Ops tf, Operand<T> params, RationalQuadraticSpline spline,
        Class<T> type) {
      int k = spline.bins();
      Operand<T> raw = tf.reshape(params, tf.constant(new int[] {-1, spline.parametersPerScalar()}));
      Operand<T> widths = tf.stridedSlice(raw, Indices.all(), Indices.slice(0, k));
      Operand<T> heights = tf.stridedSlice(raw, Indices.all(), Indices.slice(k, 2L * k));
      Operand<T> derivatives = tf.stridedSlice(raw, Indices.all(), Indices.slice(2L * k, 3L * k - 1));
      Operand<T> interiorDerivatives = tf.math.add(scalar(tf, spline.minDerivative(), type), tf.math.softplus(
          tf.math.add(derivatives, scalar(tf, derivativeShift(spline.minDerivative()), type))));
      return new Knots<>(positions(tf, widths, spline.minBinWidth(), spline.bound(), k, type),
          positions(tf, heights, spline.minBinHeight(), spline.bound(), k, type),
          withEnds(tf, interiorDerivatives, 1.0, 1.0, k, type));
    }

    /** {@code −B, −B + 2B·cumsum(w)_0, …, −B + 2B·cumsum(w)_{K−2}, B} with w the bounded softmax. */
    private static <T extends TFloating> Operand<T> positions(Ops tf, Operand<T> raw, double minimum, double bound,
        int k, Class<T> type) {
      Operand<T> fractions = tf.math.add(scalar(tf, minimum, type),
          tf.math.mul(scalar(tf, 1.0 - minimum * k, type), tf.nn.softmax(raw)));
      Operand<T> cumulative = tf.stridedSlice(tf.math.cumsum(fractions, tf.constant(-1)),
          Indices.all(), Indices.slice(0, k - 1));
      Operand<T> interior = tf.math.add(scalar(tf, -bound, type), tf.math.mul(scalar(tf, 2 * bound, type), cumulative));
      return withEnds(tf, interior, -bound, bound, k, type);
    }

    /** {@code [n, K − 1] → [n, K + 1]}: pads with zeros, then adds {@code first} and {@code last} at the ends. */
    private static <T extends TFloating> Operand<T> withEnds(Ops tf, Operand<T> interior, double first, double last,
        int k, Class<T> type) {
      Operand<T> padded = tf.pad(interior, tf.constant(new int[][] {{0, 0}, {1, 1}}), scalar(tf, 0.0, type));
      double[] ends = new double[k + 1];
      ends[0] = first;
      ends[k] = last;
      return tf.math.add(padded, Tensors.constant(tf, ends, new long[] {k + 1}, type));
    }
  }

  /**
   * The bin each scalar falls in, and its knots' values gathered per scalar ({@code [n]} each): left edge, width,
   * bottom, height, slope {@code h/w}, and the derivatives at both ends. The bin index counts the interior knots at
   * or below the value: comparisons and a one-hot, both without gradient (the gather {@code Σ onehot·v} carries the
   * gradient to the knots).
   */
  private record Bin<T extends TFloating>(Operand<T> left, Operand<T> width, Operand<T> bottom, Operand<T> height,
      Operand<T> slope, Operand<T> dLeft, Operand<T> dRight) {
    static <T extends TFloating> Bin<T> of(Ops tf, Knots<T> knots, Operand<T> searched, Operand<T> value, int k,
        Class<T> type) {
      Operand<T> interior = tf.stopGradient(tf.stridedSlice(searched, Indices.all(), Indices.slice(1, k)));
      Operand<TInt32> atOrBelow = tf.dtypes.cast(
          tf.math.greaterEqual(tf.expandDims(tf.stopGradient(value), tf.constant(-1)), interior), TInt32.class);
      Operand<TInt32> index = tf.reduceSum(atOrBelow, tf.constant(-1));
      Operand<T> oneHot = tf.stopGradient(
          tf.oneHot(index, tf.constant(k), scalar(tf, 1.0, type), scalar(tf, 0.0, type)));

      Operand<T> left = gather(tf, oneHot, lower(tf, knots.xs(), k));
      Operand<T> width = gather(tf, oneHot, difference(tf, knots.xs(), k));
      Operand<T> bottom = gather(tf, oneHot, lower(tf, knots.ys(), k));
      Operand<T> height = gather(tf, oneHot, difference(tf, knots.ys(), k));
      return new Bin<>(left, width, bottom, height, tf.math.div(height, width),
          gather(tf, oneHot, lower(tf, knots.ds(), k)), gather(tf, oneHot, upper(tf, knots.ds(), k)));
    }

    /** {@code Σ_k onehot_k · v_k}: exact, since one term is the value and the others are 0. */
    private static <T extends TFloating> Operand<T> gather(Ops tf, Operand<T> oneHot, Operand<T> v) {
      return tf.reduceSum(tf.math.mul(oneHot, v), tf.constant(-1), ReduceSum.keepDims(false));
    }

    private static <T extends TFloating> Operand<T> lower(Ops tf, Operand<T> knots, int k) {
      return tf.stridedSlice(knots, Indices.all(), Indices.slice(0, k));
    }

    private static <T extends TFloating> Operand<T> upper(Ops tf, Operand<T> knots, int k) {
      return tf.stridedSlice(knots, Indices.all(), Indices.slice(1, k + 1));
    }

    private static <T extends TFloating> Operand<T> difference(Ops tf, Operand<T> knots, int k) {
      return tf.math.sub(upper(tf, knots, k), lower(tf, knots, k));
    }
  }
}
