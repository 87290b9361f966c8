package org.flows4j.tf.residual;

import com.google.common.base.Preconditions;
import java.util.List;
import java.util.SplittableRandom;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.tf.graph.WhileLoop;
import org.flows4j.tf.layers.Parameters;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;

import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * A linear map (dense {@code [out, in]} matrix, or a convolution kernel) used as {@code W / max(1, σ/coeff)}. σ is
 * {@code uᵀ W v} with persistent unit vectors u, v (non-trainable, checkpointed) that power iteration keeps aligned
 * with the top singular vectors; gradients flow through W in σ with u, v held fixed (as spectral normalisation
 * does). Subclasses say how the operator and its transpose act.
 */
abstract class SpectralLinear<T extends TFloating> {
  final Class<T> type;
  final Variable<T> weight;
  final Variable<T> bias;
  final Variable<T> u;
  final Variable<T> v;
  private final SpectralNormalization normalization;
  /** The order p of the norm on the map's input (the domain); 2 for the spectral norm. */
  private double domainOrder = 2;
  /** The order q of the norm on the map's output (the codomain); 2 for the spectral norm. */
  private double codomainOrder = 2;
  /** With learned orders, the raw scalars whose squash gives p and q (see {@link LearnedOrders}); else null. */
  private @Nullable Variable<T> rawDomainOrder;
  private @Nullable Variable<T> rawCodomainOrder;
  /**
   * Random starts the thorough refresh adds for induced norms, as the official code's 10 restarts at
   * initialisation: the generalised power method can stop at a local maximum below the norm.
   */
  static final int INDUCED_NORM_RESTARTS = 10;
  /** Seeds the restarts' random starts (fixed per layer: the weights change between refreshes, the starts need not). */
  private final long restartSeed;

  SpectralLinear(Ops tf, SpectralNormalization normalization, Parameters<T> parameters, long[] weightShape,
      long fanIn, long fanOut, long biasSize, long[] uShape, long[] vShape) {
    this(tf, normalization, parameters, weightShape, fanIn, fanOut, biasSize, uShape, vShape, false);
  }

  /**
   * With {@code nearZero}, the Residual Flows code's {@code zero_init} for a block's last layer: PyTorch's default
   * {@code U(±1/√fanIn)} weights divided by 1000 (exact zeros would stall power iteration), and a
   * {@code U(±1/√fanIn)} bias. Otherwise Glorot-uniform weights and a zero bias.
   */
  SpectralLinear(Ops tf, SpectralNormalization normalization, Parameters<T> parameters, long[] weightShape,
      long fanIn, long fanOut, long biasSize, long[] uShape, long[] vShape, boolean nearZero) {
    this.type = parameters.type();
    this.normalization = normalization;
    if (nearZero) {
      double bound = 1 / Math.sqrt(fanIn);
      SplittableRandom random = new SplittableRandom(parameters.nextHostSeed());
      this.weight = parameters.fromValues(tf, "weight", weightShape, uniform(random, weightShape, bound / 1000));
      this.bias = parameters.fromValues(tf, "bias", new long[] {biasSize}, uniform(random, new long[] {biasSize},
          bound));
    } else {
      this.weight = parameters.glorotUniform(tf, "weight", weightShape, fanIn, fanOut);
      this.bias = parameters.filled(tf, "bias", new long[] {biasSize}, 0.0);
    }
    this.u = parameters.unitVector(tf, "sn_u", uShape);
    this.v = parameters.unitVector(tf, "sn_v", vShape);
    // From the layer's name, not the parameter stream: drawing a seed would change every later layer's weights.
    this.restartSeed = weight.op().name().hashCode();
  }

  private static double[] uniform(SplittableRandom random, long[] shape, double bound) {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    double[] values = new double[Math.toIntExact(size)];
    for (int i = 0; i < values.length; i++) {
      values[i] = random.nextDouble(-bound, bound);
    }
    return values;
  }

  /**
   * Bounds this map in the induced norm {@code ‖W‖_{p → q}} instead of the spectral norm (see
   * {@link SpectralNormalization}); call before building any op.
   */
  void inducedNorm(double p, double q) {
    this.domainOrder = p;
    this.codomainOrder = q;
  }

  /**
   * Bounds this map in {@code ‖W‖_{p → q}} with learned orders {@code p = squash(rawDomain)},
   * {@code q = squash(rawCodomain)} (see {@link LearnedOrders}); call before building any op.
   */
  void learnedInducedNorm(Variable<T> rawDomain, Variable<T> rawCodomain) {
    this.rawDomainOrder = rawDomain;
    this.rawCodomainOrder = rawCodomain;
  }

  /**
   * The official {@code compute_one_iter}: one generalised power step from the stored vectors, with u, v and W held
   * fixed, {@code u' = dual_q(Wv)}, {@code v' = dual_p(Wᵀu')}, {@code σ' = u'ᵀWv'}; differentiable in the learned
   * orders only (the objective their gradient comes from). Only for maps with learned orders.
   */
  Operand<T> oneStepNormEstimate(Ops tf) {
    Preconditions.checkState(rawDomainOrder != null && rawCodomainOrder != null, "no learned orders");
    Operand<T> p = LearnedOrders.order(tf, rawDomainOrder);
    Operand<T> q = LearnedOrders.order(tf, rawCodomainOrder);
    Operand<T> w = tf.stopGradient(weight);
    Operand<T> newU = dual(tf, apply(tf, w, tf.stopGradient(v)), q);
    Operand<T> newV = dualOfDual(tf, applyTransposed(tf, w, newU), p);
    return sumAll(tf, tf.math.mul(newU, apply(tf, w, newV)));
  }

  /** The operator W applied to a tensor shaped like v (batch of 1 for the power iteration). */
  abstract Operand<T> apply(Ops tf, Operand<T> w, Operand<T> x);

  /** Wᵀ applied to a tensor shaped like u. */
  final Operand<T> applyTransposed(Ops tf, Operand<T> w, Operand<T> y) {
    return applyTransposedOperand(tf, LinearKernels.STANDARD, transposedOperand(tf, w), y);
  }

  /**
   * What Wᵀ is applied with (the adjoint kernel, the transposed matrix…), made from W once: a series applies Wᵀ
   * once per term with the same W, so the series computes it outside its loop.
   */
  abstract Operand<T> transposedOperand(Ops tf, Operand<T> w);

  /**
   * Wᵀ applied to a tensor shaped like u, given {@link #transposedOperand} of W, on the given kernels. Generic in
   * the element type: the log-det series may apply it in a lower precision than the model's, with the operand cast
   * once (see {@link SeriesProducts}).
   */
  abstract <U extends TFloating> Operand<U> applyTransposedOperand(Ops tf, LinearKernels kernels,
      Operand<U> transposed, Operand<U> y);

  /** {@code uᵀ W v}. */
  private Operand<T> sigma(Ops tf, Operand<T> w, Operand<T> uValue, Operand<T> vValue) {
    return sumAll(tf, tf.math.mul(uValue, apply(tf, w, vValue)));
  }

  /** The weight actually used: {@code W / max(1, σ/coeff)}, σ from the current u, v. */
  Operand<T> normalizedWeight(Ops tf) {
    return normalizedWeight(tf, weight, u, v);
  }

  /**
   * {@link #normalizedWeight(Ops)} from values of W, u and v (a function body's arguments): differentiable in W,
   * with u and v held fixed.
   */
  Operand<T> normalizedWeight(Ops tf, Operand<T> w, Operand<T> uValue, Operand<T> vValue) {
    Operand<T> sigma = sigma(tf, w, tf.stopGradient(uValue), tf.stopGradient(vValue));
    Operand<T> factor = tf.math.maximum(scalar(tf, 1.0),
        tf.math.div(sigma, scalar(tf, normalization.coeff())));
    return tf.math.div(w, factor);
  }

  /** The current σ estimate (for tests and reports). */
  Operand<T> sigmaEstimate(Ops tf) {
    return sigma(tf, weight, u, v);
  }

  /**
   * Power iteration {@code v ← Wᵀu/|Wᵀu|, u ← Wv/|Wv|} until σ changes by less than {@code tolerance} (relative)
   * or {@code iterations} steps, then stores u and v. A small change per step does not bound the error when the top
   * singular values are close, which is why the trainer runs a thorough version before evaluation.
   */
  Op powerIteration(Ops tf, int iterations, double tolerance) {
    return powerIteration(tf, iterations, tolerance, false);
  }

  /**
   * {@link #powerIteration(Ops, int, double)}; with {@code restarts} and an induced (not spectral) norm, also from
   * {@link #INDUCED_NORM_RESTARTS} random starts, keeping the (u, v) of the largest σ, as the official
   * {@code InducedNormLinear}/{@code InducedNormConv2d} do at initialisation. For p = q = 2 the power method finds
   * the top singular value from almost any start, so restarts would only cost time.
   */
  Op powerIteration(Ops tf, int iterations, double tolerance, boolean restarts) {
    List<Operand<?>> best = iterate(tf, tf.identity(u), iterations, tolerance);
    if (restarts && restartsWhenThorough()) {
      for (int r = 0; r < INDUCED_NORM_RESTARTS; r++) {
        Operand<T> start = tf.random.statelessRandomNormal(tf.shape(u),
            tf.constant(new long[] {restartSeed, r}), type);
        List<Operand<?>> candidate = iterate(tf, tf.stopGradient(start), iterations, tolerance);
        Operand<TBool> better = tf.math.greater(WhileLoop.<T>get(candidate, 2), WhileLoop.<T>get(best, 2));
        List<Operand<?>> chosen = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
          chosen.add(tf.select(better, WhileLoop.<T>get(candidate, i), WhileLoop.<T>get(best, i)));
        }
        best = chosen;
      }
    }
    Operand<T> newU = WhileLoop.get(best, 0);
    Operand<T> newV = WhileLoop.get(best, 1);
    return tf.withControlDependencies(List.of(tf.assign(u, newU), tf.assign(v, newV))).noOp();
  }

  /** The power method from {@code start} (a u); returns u, v and σ = uᵀWv. */
  private List<Operand<?>> iterate(Ops tf, Operand<T> start, int iterations, double tolerance) {
    // Loop variables: 0 step, 1 u, 2 v, 3 W, 4 σ, 5 relative change, then with learned orders 6 p and 7 q (loops
    // capture no outer tensors); the orders enter without gradient, as the official torch.no_grad() iteration.
    List<Operand<?>> initial = new java.util.ArrayList<>(List.of(tf.constant(0), start, tf.identity(v),
        tf.identity(weight), scalar(tf, 0.0), scalar(tf, Double.POSITIVE_INFINITY)));
    boolean learned = rawDomainOrder != null && rawCodomainOrder != null;
    if (learned) {
      initial.add(tf.stopGradient(LearnedOrders.order(tf, rawDomainOrder)));
      initial.add(tf.stopGradient(LearnedOrders.order(tf, rawCodomainOrder)));
    }
    // Every map of one class, shapes, orders and stopping rule builds the same loop: traced once per graph.
    List<Object> loopKey = List.of(getClass(), weight.shape(), u.shape(), v.shape(), domainOrder, codomainOrder,
        learned, iterations, tolerance, type);
    List<Operand<?>> result = WhileLoop.run(tf, "power_iteration", loopKey, initial,
        (c, vars) -> {
          Operand<TInt32> step = WhileLoop.get(vars, 0);
          Operand<T> change = WhileLoop.get(vars, 5);
          Operand<TBool> more = c.math.less(step, c.constant(iterations));
          return c.math.logicalAnd(more,
              c.math.greater(change, Tensors.scalar(c, tolerance, type)));
        },
        (b, vars) -> {
          Operand<TInt32> step = WhileLoop.get(vars, 0);
          Operand<T> w = WhileLoop.get(vars, 3);
          List<Operand<T>> stepped = powerStep(b, WhileLoop.get(vars, 1), w, WhileLoop.get(vars, 4),
              learned ? WhileLoop.<T>get(vars, 6) : null, learned ? WhileLoop.<T>get(vars, 7) : null);
          List<Operand<?>> next = new java.util.ArrayList<>(List.of(b.math.add(step, b.constant(1)), stepped.get(0),
              stepped.get(1), w, stepped.get(2), stepped.get(3)));
          if (learned) {
            next.add(WhileLoop.get(vars, 6));
            next.add(WhileLoop.get(vars, 7));
          }
          return next;
        });
    return List.of(WhileLoop.get(result, 1), WhileLoop.get(result, 2), WhileLoop.get(result, 4));
  }

  /**
   * Power iteration on several maps in one loop (a block's maps): each iteration steps every map, and the loop stops
   * when every map's σ changed by less than {@code tolerance} (relative) or after {@code iterations} steps, then
   * stores each map's u and v. Each map thus takes at least the steps it would take alone, so its estimate is at
   * least as converged. Why one loop: a 100-block toy model had 500 loops in its training step and 500 in its
   * thorough refresh, and a loop's graph ops and per-iteration call overhead do not depend on its size. Only for
   * maps without learned orders (their loop also carries the orders; see {@link #powerIteration}).
   */
  static <T extends TFloating> Op powerIterationTogether(Ops tf, List<SpectralLinear<T>> maps, int iterations,
      double tolerance) {
    Preconditions.checkArgument(!maps.isEmpty(), "no maps");
    Class<T> type = maps.get(0).type;
    // Loop variables: 0 step, 1 largest relative change, then per map u, v, W, σ.
    List<Operand<?>> initial = new java.util.ArrayList<>(List.of(tf.constant(0),
        Tensors.scalar(tf, Double.POSITIVE_INFINITY, type)));
    List<Object> loopKey = new java.util.ArrayList<>(List.of(iterations, tolerance, type));
    for (SpectralLinear<T> map : maps) {
      Preconditions.checkArgument(map.rawDomainOrder == null, "a map with learned orders iterates on its own");
      initial.add(tf.identity(map.u));
      initial.add(tf.identity(map.v));
      initial.add(tf.identity(map.weight));
      initial.add(Tensors.scalar(tf, 0.0, type));
      loopKey.add(List.of(map.getClass(), map.weight.shape(), map.u.shape(), map.v.shape(), map.domainOrder,
          map.codomainOrder));
    }
    List<Operand<?>> result = WhileLoop.run(tf, "power_iteration", loopKey, initial,
        (c, vars) -> c.math.logicalAnd(c.math.less(WhileLoop.<TInt32>get(vars, 0), c.constant(iterations)),
            c.math.greater(WhileLoop.<T>get(vars, 1), Tensors.scalar(c, tolerance, type))),
        (b, vars) -> {
          List<Operand<?>> next = new java.util.ArrayList<>();
          next.add(b.math.add(WhileLoop.<TInt32>get(vars, 0), b.constant(1)));
          next.add(null); // the largest change, set below
          Operand<T> largest = Tensors.scalar(b, 0.0, type);
          for (int i = 0; i < maps.size(); i++) {
            int at = 2 + 4 * i;
            List<Operand<T>> stepped = maps.get(i).powerStep(b, WhileLoop.get(vars, at),
                WhileLoop.get(vars, at + 2), WhileLoop.get(vars, at + 3), null, null);
            next.add(stepped.get(0));
            next.add(stepped.get(1));
            next.add(WhileLoop.get(vars, at + 2));
            next.add(stepped.get(2));
            largest = b.math.maximum(largest, stepped.get(3));
          }
          next.set(1, largest);
          return next;
        });
    List<Op> stores = new java.util.ArrayList<>();
    for (int i = 0; i < maps.size(); i++) {
      int at = 2 + 4 * i;
      stores.add(tf.assign(maps.get(i).u, WhileLoop.<T>get(result, at)));
      stores.add(tf.assign(maps.get(i).v, WhileLoop.<T>get(result, at + 1)));
    }
    return tf.withControlDependencies(stores).noOp();
  }

  /**
   * One step of the power method from u (and W, σ): {@code v' = dual_p(Wᵀu)}, {@code u' = dual_q(Wv')},
   * {@code σ' = u'ᵀWv'}; returns u', v', σ' and σ's relative change. The orders are the map's fixed ones, or the
   * given learned p and q (both or neither).
   */
  private List<Operand<T>> powerStep(Ops b, Operand<T> u, Operand<T> w, Operand<T> oldSigma,
      @Nullable Operand<T> p, @Nullable Operand<T> q) {
    Operand<T> transposed = applyTransposed(b, w, u);
    Operand<T> newV = p != null ? dualOfDual(b, transposed, p) : dualOfDual(b, transposed, domainOrder);
    Operand<T> wv = apply(b, w, newV); // once: it gives both u and σ = uᵀWv
    Operand<T> newU;
    Operand<T> newSigma;
    if (q == null && codomainOrder == 2) {
      // u' = Wv/‖Wv‖, so σ' = u'ᵀWv = ‖Wv‖²/‖Wv‖ (the same guard against 0 as normalize): from the norm the
      // normalisation already took, without a product and a sum over u's size.
      Operand<T> norm = euclideanNorm(b, wv);
      Operand<T> guarded = b.math.maximum(norm, Tensors.scalar(b, 1e-12, type));
      newU = b.math.div(wv, guarded);
      newSigma = b.math.div(b.math.square(norm), guarded);
    } else {
      newU = q != null ? dual(b, wv, q) : dual(b, wv, codomainOrder);
      newSigma = sumAll(b, b.math.mul(newU, wv));
    }
    Operand<T> change = b.math.div(b.math.abs(b.math.sub(newSigma, oldSigma)),
        b.math.maximum(b.math.abs(newSigma), Tensors.scalar(b, 1e-12, type)));
    return List.of(newU, newV, newSigma, change);
  }

  /**
   * Whether the thorough refresh finds this map's top singular pair by {@link LanczosBidiagonalization} rather than
   * the power method: for maps whose singular values crowd near the top, where the power method is slow.
   */
  boolean bidiagonalizesWhenThorough(int iterations) {
    return false;
  }

  /** Stores the top singular pair from {@link LanczosBidiagonalization} in u and v. */
  Op refreshByBidiagonalization(Ops tf, int iterations, double tolerance) {
    LanczosBidiagonalization.Triplet<T> triplet = LanczosBidiagonalization.topTriplet(tf, this, iterations, tolerance);
    return tf.withControlDependencies(List.of(tf.assign(u, triplet.u()), tf.assign(v, triplet.v()))).noOp();
  }

  /** Whether this map's power iteration can join others' in one loop (see {@link #powerIterationTogether}). */
  boolean iteratesWithOthers() {
    return rawDomainOrder == null;
  }

  /** Whether a thorough refresh restarts this map's estimate from random points (induced norms only). */
  boolean restartsWhenThorough() {
    return rawDomainOrder != null || !(domainOrder == 2 && codomainOrder == 2);
  }

  /**
   * The unit vector of the dual norm (order q/(q-1)) at which {@code uᵀy = ‖y‖_q}:
   * {@code u = sign(y)|y|^{q-1} / ‖y‖_q^{q-1}}. For q = 2, {@code y/‖y‖₂}.
   */
  private Operand<T> dual(Ops tf, Operand<T> y, double q) {
    if (q == 2) {
      return normalize(tf, y);
    }
    Operand<T> magnitude = tf.math.pow(scaledAbs(tf, y), scalar(tf, q - 1));
    return tf.math.mul(tf.math.sign(y), tf.math.div(magnitude, pNorm(tf, magnitude, scalar(tf, q / (q - 1)))));
  }

  /** {@link #dual(Ops, Operand, double)} with q a tensor (learned orders), differentiable in q. */
  private Operand<T> dual(Ops tf, Operand<T> y, Operand<T> q) {
    Operand<T> qMinusOne = tf.math.sub(q, scalar(tf, 1));
    Operand<T> magnitude = tf.math.pow(scaledAbs(tf, y), qMinusOne);
    return tf.math.mul(tf.math.sign(y), tf.math.div(magnitude, pNorm(tf, magnitude, tf.math.div(q, qMinusOne))));
  }

  /**
   * The unit vector of the p-norm at which {@code zᵀv = ‖z‖_{p*}} (p* = p/(p-1)):
   * {@code v = sign(z)|z|^{1/(p-1)} / ‖·‖_p}. For p = 2, {@code z/‖z‖₂}.
   */
  private Operand<T> dualOfDual(Ops tf, Operand<T> z, double p) {
    if (p == 2) {
      return normalize(tf, z);
    }
    Operand<T> magnitude = tf.math.pow(scaledAbs(tf, z), scalar(tf, 1 / (p - 1)));
    return tf.math.mul(tf.math.sign(z), tf.math.div(magnitude, pNorm(tf, magnitude, scalar(tf, p))));
  }

  /** {@link #dualOfDual(Ops, Operand, double)} with p a tensor (learned orders), differentiable in p. */
  private Operand<T> dualOfDual(Ops tf, Operand<T> z, Operand<T> p) {
    Operand<T> magnitude = tf.math.pow(scaledAbs(tf, z), tf.math.div(scalar(tf, 1), tf.math.sub(p, scalar(tf, 1))));
    return tf.math.mul(tf.math.sign(z), tf.math.div(magnitude, pNorm(tf, magnitude, p)));
  }

  /** {@code |x| / max|x|}: powers of it neither overflow nor underflow. */
  private Operand<T> scaledAbs(Ops tf, Operand<T> x) {
    Operand<T> abs = tf.math.abs(x);
    Operand<TInt32> axes = tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
    return tf.math.div(abs, tf.math.maximum(tf.reduceMax(abs, axes), Tensors.scalar(tf, 1e-30, type)));
  }

  private Operand<T> pNorm(Ops tf, Operand<T> nonNegative, Operand<T> p) {
    Operand<T> norm = tf.math.pow(sumAll(tf, tf.math.pow(nonNegative, p)), tf.math.div(scalar(tf, 1), p));
    return tf.math.maximum(norm, Tensors.scalar(tf, 1e-30, type));
  }

  private Operand<T> normalize(Ops tf, Operand<T> x) {
    return tf.math.div(x, tf.math.maximum(euclideanNorm(tf, x), Tensors.scalar(tf, 1e-12, type)));
  }

  /** {@code ‖x‖₂} over every element, as √(2·L2Loss): one pass over x, where square-then-sum takes two. */
  static <U extends TFloating> Operand<U> euclideanNorm(Ops tf, Operand<U> x) {
    return tf.math.sqrt(tf.math.mul(Tensors.scalar(tf, 2, x.type()), tf.nn.l2Loss(x)));
  }

  Operand<T> sumAll(Ops tf, Operand<T> x) {
    return Tensors.sumAll(tf, x);
  }

  Operand<T> scalar(Ops tf, double value) {
    return Tensors.scalar(tf, value, type);
  }

}
