package org.flows4j.tf.residual;

import java.util.List;
import org.flows4j.tf.graph.WhileLoop;
import org.flows4j.tf.layers.Tensors;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.linalg.Svd;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * The top singular triplet of a linear map by Golub–Kahan–Lanczos bidiagonalisation, for the thorough spectral-norm
 * refresh. The power method's error after k steps shrinks like {@code (σ₂/σ₁)^{2k}}; a convolution operator's
 * singular values form a near-continuum (one per spatial frequency), so σ₂/σ₁ is within a fraction of a percent of
 * 1 and the power method needs hundreds of steps. Lanczos' error shrinks like a Chebyshev polynomial in the gap, about
 * {@code exp(-4k·√gap)} instead of {@code exp(-2k·gap)}: tens of steps. Each step applies W and Wᵀ once, as a power
 * step does.
 *
 * <p>The recurrence runs from the side of the map with fewer elements (a 1 → 512 convolution's input, a 512 → 1
 * convolution's output), stores that side's basis, and reorthogonalises each new vector of it against the basis
 * (classical Gram–Schmidt, twice): the one-sided scheme of Simon and Zha (2000), which keeps the bidiagonal's
 * singular values accurate without storing the wide side. The other side's singular vector is then the map applied to
 * the narrow one, normalised. A first step alone checks whether the stored vectors are already converged (as before
 * evaluation; see {@link #topTriplet}); otherwise the recurrence runs on in chunks of {@link #CHUNK} steps, and after
 * each chunk takes the top singular vectors of the bidiagonal so far (a small SVD) and stops when σ changed by less
 * than the tolerance, relative, as the power iteration's test.
 */
final class LanczosBidiagonalization {
  private LanczosBidiagonalization() {}

  /** The most basis elements (steps × narrow size) a map may store: 32 MiB in float64. */
  static final long MAX_BASIS_ELEMENTS = 4L << 20;

  /** The fewest steps for which the recurrence is worth it; a map whose basis would allow fewer iterates by power. */
  static final int MIN_STEPS = 32;

  /**
   * Steps per loop iteration; the convergence test (an SVD of the bidiagonal so far) runs once per chunk. A test
   * every step cost as much as the step's two convolutions on the paper's MNIST model's 28×28 maps.
   */
  static final int CHUNK = 4;

  /** How many steps {@code map} may take within {@code iterations} and the basis budget. */
  static int steps(SpectralLinear<?> map, int iterations) {
    long narrow = Math.min(map.u.shape().size(), map.v.shape().size());
    return (int) Math.min(Math.min(iterations, narrow), MAX_BASIS_ELEMENTS / Math.max(1, narrow));
  }

  /** Whether {@code map} suits the recurrence: a spectral (2 → 2) norm and a basis of at least {@link #MIN_STEPS}. */
  static boolean suits(SpectralLinear<?> map, int iterations) {
    return !map.restartsWhenThorough() && map.iteratesWithOthers()
        && steps(map, iterations) >= Math.min(MIN_STEPS, Math.min(map.u.shape().size(), map.v.shape().size()));
  }

  /** The top singular vectors u (output side) and v (input side), σ = ‖Wv‖, and the steps taken. */
  record Triplet<T extends TFloating>(Operand<T> u, Operand<T> v, Operand<T> sigma, Operand<TInt32> steps) {}

  /**
   * The top singular vectors (u, v) of {@code map}'s current weight and its top singular value, from the stored
   * vector of the narrow side, in at most {@code iterations} steps (fewer when the estimate settles within
   * {@code tolerance}, relative).
   */
  static <T extends TFloating> Triplet<T> topTriplet(Ops tf, SpectralLinear<T> map, int iterations,
      double tolerance) {
    Recurrence<T> r = new Recurrence<>(map, steps(map, iterations));
    Class<T> type = map.type;
    int k = r.k;
    int chunk = Math.max(1, Math.min(CHUNK, k - 1));
    // Everything runs in loops, from zeros and the stored vector: the main graph holds a few ops per map.
    Operand<T> start = tf.identity(r.fromInput ? map.v : map.u);
    Operand<T> zero = Tensors.scalar(tf, 0.0, type);
    List<Operand<?>> initial = List.of(tf.constant(0), Tensors.zeros(tf, new long[] {k, r.narrow}, type), start,
        Tensors.zeros(tf, r.wideShape, type), zero, Tensors.zeros(tf, new long[] {k}, type),
        Tensors.zeros(tf, new long[] {k}, type), tf.identity(map.weight), zero, zero, start,
        Tensors.zeros(tf, r.wideShape, type));
    List<Object> loopKey = List.of(map.getClass(), map.weight.shape(), map.u.shape(), map.v.shape(), k, chunk,
        tolerance, type);
    // Loop variables: 0 j (basis vectors so far), 1 the basis [k, narrow], 2 the next narrow vector before its
    // orthogonalisation and normalisation, 3 the last wide vector o, 4 its α, 5 the α's, 6 the β's, 7 W, then the
    // estimate so far: 8 σ, 9 its relative change, 10 the narrow and 11 the wide singular vector.
    // First one step alone, whose estimate is the start's own (σ = α₁ = ‖A s₁‖, the vectors s₁ and o₁): when the
    // stored vectors are converged (a refresh before evaluation), one power step from them would change σ by
    // (√(α₁² + β₁²) − α₁)/α₁ ≈ β₁²/(2α₁²) (β₁ = ‖Aᵀo₁ − α₁s₁‖), and the loop below does not start if that is within
    // the tolerance: two applications, as much as one power step.
    List<Operand<?>> first = WhileLoop.run(tf, "lanczos_first_step", loopKey, initial,
        (c, vars) -> c.math.less(WhileLoop.<TInt32>get(vars, 0), c.constant(1)),
        (b, vars) -> {
          State<T> state = new State<>(vars);
          r.step(b, state, 0);
          Operand<T> alpha = state.alpha;
          Operand<T> residual = SpectralLinear.euclideanNorm(b, state.candidate);
          Operand<T> relative = b.math.div(residual, b.math.maximum(alpha, Tensors.scalar(b, 1e-30, type)));
          Operand<T> change = b.math.mul(Tensors.scalar(b, 0.5, type), b.math.square(relative));
          Operand<T> s1 = b.reshape(b.slice(state.basis, b.constant(new int[] {0, 0}),
              b.constant(new int[] {1, r.narrow})), b.constant(r.narrowShape));
          return state.next(b.constant(1), alpha, change, s1, state.o);
        });
    List<Operand<?>> result = WhileLoop.run(tf, "lanczos_bidiagonalization", loopKey, first,
        (c, vars) -> c.math.logicalAnd(
            c.math.lessEqual(c.math.add(WhileLoop.<TInt32>get(vars, 0), c.constant(chunk)), c.constant(k)),
            c.math.greater(WhileLoop.<T>get(vars, 9), Tensors.scalar(c, tolerance, type))),
        (b, vars) -> {
          State<T> state = new State<>(vars);
          for (int step = 0; step < chunk; step++) {
            r.step(b, state, step);
          }
          Operand<TInt32> filled = b.math.add(state.j, b.constant(chunk));
          // B = Oᵀ A S, so B's top right singular vector y gives A's on the narrow side: S y.
          Operand<TInt32> square = b.stack(List.of(filled, filled));
          Operand<T> leading = b.slice(bidiagonal(b, state.alphas, state.betas, k, type),
              b.constant(new int[] {0, 0}), square);
          Operand<T> y = b.slice(b.linalg.svd(leading, Svd.computeUv(true), Svd.fullMatrices(false)).v(),
              b.constant(new int[] {0, 0}), b.stack(List.of(filled, b.constant(1))));
          // y padded with zeros to k rows (the basis' rows past it are zero too): a product of one shape whatever
          // the chunk, where slicing the basis made a new shape per chunk (one MNIST block's cold refresh: 91–124
          // ms so, 64–86 ms padded).
          Operand<T> padded = b.pad(y, b.reshape(b.stack(List.of(b.constant(0), b.math.sub(b.constant(k), filled),
              b.constant(0), b.constant(0))), b.constant(new int[] {2, 2})), Tensors.scalar(b, 0.0, type));
          Operand<T> narrowVector = normalize(b, b.reshape(b.linalg.matMul(padded, state.basis,
              MatMul.transposeA(true)), b.constant(r.narrowShape)), type);
          Operand<T> wide = r.across(b, state.w, narrowVector);
          Operand<T> sigma = SpectralLinear.euclideanNorm(b, wide);
          Operand<T> change = b.math.div(b.math.abs(b.math.sub(sigma, WhileLoop.<T>get(vars, 8))),
              b.math.maximum(sigma, Tensors.scalar(b, 1e-30, type)));
          return state.next(filled, sigma, change, narrowVector, divideGuarded(b, wide, sigma, type));
        });
    Operand<T> narrowVector = WhileLoop.get(result, 10);
    Operand<T> wideVector = WhileLoop.get(result, 11);
    Operand<T> sigma = WhileLoop.get(result, 8);
    Operand<TInt32> steps = WhileLoop.get(result, 0);
    return r.fromInput ? new Triplet<>(wideVector, narrowVector, sigma, steps)
        : new Triplet<>(narrowVector, wideVector, sigma, steps);
  }

  /** The recurrence's state in a loop body: read from the loop variables, advanced by {@link Recurrence#step}. */
  private static final class State<T extends TFloating> {
    final Operand<TInt32> j;
    Operand<T> basis;
    Operand<T> candidate;
    Operand<T> o;
    Operand<T> alpha;
    Operand<T> alphas;
    Operand<T> betas;
    final Operand<T> w;

    State(List<? extends Operand<?>> vars) {
      j = WhileLoop.get(vars, 0);
      basis = WhileLoop.get(vars, 1);
      candidate = WhileLoop.get(vars, 2);
      o = WhileLoop.get(vars, 3);
      alpha = WhileLoop.get(vars, 4);
      alphas = WhileLoop.get(vars, 5);
      betas = WhileLoop.get(vars, 6);
      w = WhileLoop.get(vars, 7);
    }

    List<Operand<?>> next(Operand<TInt32> filled, Operand<T> sigma, Operand<T> change, Operand<T> narrowVector,
        Operand<T> wideVector) {
      return List.of(filled, basis, candidate, o, alpha, alphas, betas, w, sigma, change, narrowVector, wideVector);
    }
  }

  /** One map's side, sizes and operator A (W from the narrow input side, Wᵀ from the narrow output side). */
  private static final class Recurrence<T extends TFloating> {
    final SpectralLinear<T> map;
    final boolean fromInput;
    final long[] narrowShape;
    final long[] wideShape;
    final int narrow;
    final int k;

    Recurrence(SpectralLinear<T> map, int k) {
      this.map = map;
      this.fromInput = map.v.shape().size() <= map.u.shape().size();
      this.narrowShape = (fromInput ? map.v : map.u).shape().asArray();
      this.wideShape = (fromInput ? map.u : map.v).shape().asArray();
      this.narrow = Math.toIntExact((fromInput ? map.v : map.u).shape().size());
      this.k = k;
    }

    /**
     * Step {@code j + offset}: the candidate (Aᵀ o − α s, or the start) reorthogonalised against the basis gives
     * β s, the basis' new row; then {@code α o' = A s − β o}, and the next candidate {@code Aᵀ o' − α s}.
     */
    void step(Ops b, State<T> state, int offset) {
      Class<T> type = map.type;
      Operand<TInt32> index = b.math.add(state.j, b.constant(offset));
      Operand<T> next = b.reshape(state.candidate, b.constant(new long[] {1, narrow}));
      for (int pass = 0; pass < 2; pass++) {
        Operand<T> coefficients = b.linalg.matMul(next, state.basis, MatMul.transposeB(true));
        next = b.math.sub(next, b.linalg.matMul(coefficients, state.basis));
      }
      Operand<T> beta = SpectralLinear.euclideanNorm(b, next);
      next = divideGuarded(b, next, beta, type);
      Operand<T> row = oneHot(b, index, k, type);
      state.basis = b.math.add(state.basis, b.math.mul(b.reshape(row, b.constant(new long[] {k, 1})), next));
      // The start's norm would sit at row -1, which a one-hot leaves out.
      state.betas = b.math.add(state.betas,
          b.math.mul(oneHot(b, b.math.sub(index, b.constant(1)), k, type), beta));
      Operand<T> s = b.reshape(next, b.constant(narrowShape));
      Operand<T> across = b.math.sub(across(b, state.w, s), b.math.mul(beta, state.o));
      state.alpha = SpectralLinear.euclideanNorm(b, across);
      state.o = divideGuarded(b, across, state.alpha, type);
      state.alphas = b.math.add(state.alphas, b.math.mul(row, state.alpha));
      state.candidate = b.math.sub(back(b, state.w, state.o), b.math.mul(state.alpha, s));
    }

    Operand<T> across(Ops tf, Operand<T> w, Operand<T> x) {
      return fromInput ? map.apply(tf, w, x) : map.applyTransposed(tf, w, x);
    }

    Operand<T> back(Ops tf, Operand<T> w, Operand<T> y) {
      return fromInput ? map.applyTransposed(tf, w, y) : map.apply(tf, w, y);
    }
  }

  /** The upper bidiagonal k×k matrix with the α's on the diagonal and the β's above it. */
  private static <T extends TFloating> Operand<T> bidiagonal(Ops tf, Operand<T> alphas, Operand<T> betas, int k,
      Class<T> type) {
    double[] identity = new double[k * k];
    double[] above = new double[k * k];
    for (int i = 0; i < k; i++) {
      identity[i * k + i] = 1;
      if (i + 1 < k) {
        above[i * k + i + 1] = 1;
      }
    }
    Operand<T> diagonal = tf.math.mul(Tensors.constant(tf, identity, new long[] {k, k}, type),
        tf.reshape(alphas, tf.constant(new long[] {1, k})));
    Operand<T> superdiagonal = tf.math.mul(Tensors.constant(tf, above, new long[] {k, k}, type),
        tf.reshape(betas, tf.constant(new long[] {k, 1})));
    return tf.math.add(diagonal, superdiagonal);
  }

  private static <T extends TFloating> Operand<T> oneHot(Ops tf, Operand<TInt32> index, int k, Class<T> type) {
    return tf.oneHot(index, tf.constant(k), Tensors.scalar(tf, 1.0, type), Tensors.scalar(tf, 0.0, type));
  }

  /** x / n, or 0 where n vanishes (a map that is zero on the Krylov space so far). */
  private static <T extends TFloating> Operand<T> divideGuarded(Ops tf, Operand<T> x, Operand<T> n, Class<T> type) {
    return tf.math.div(x, tf.math.maximum(n, Tensors.scalar(tf, 1e-30, type)));
  }

  private static <T extends TFloating> Operand<T> normalize(Ops tf, Operand<T> x, Class<T> type) {
    return divideGuarded(tf, x, SpectralLinear.euclideanNorm(tf, x), type);
  }
}
