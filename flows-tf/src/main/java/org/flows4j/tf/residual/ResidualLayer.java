package org.flows4j.tf.residual;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.ExactLogDet;
import org.flows4j.api.residual.FixedPointInverse;
import org.flows4j.api.residual.GradientMode;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.RussianRoulette;
import org.flows4j.api.residual.TruncatedSeries;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.tf.FlowMode;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.flows4j.tf.gradients.CustomGradient;
import org.flows4j.tf.graph.WhileLoop;
import org.flows4j.tf.layers.AbstractLayer;
import org.flows4j.tf.layers.Parameters;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

import org.tensorflow.types.family.TFloating;

/**
 * An invertible residual block {@code y = x + g(x)}, {@code Lip(g) < 1} (Behrmann et al. 2019; Chen et al. 2019).
 *
 * <p>Log-det {@code log det(I + J_g(x))} by the spec's estimator: the brute-force Jacobian; the truncated series
 * {@code Σ_{k≤n} (-1)^(k+1)/k · vᵀJ^k v}; or the Russian roulette, whose term k is weighted by
 * {@code 1/P(N ≥ k - n_exact)}. Series run in a while loop over explicit vector–Jacobian products; with the Neumann
 * gradient the loss reads the estimate while the optimizer receives the gradient of the surrogate
 * {@code wᵀ J v}, {@code w = Σ_k (-1)^k vᵀJ^k / P(N ≥ k)} held fixed — constant memory in the number of terms.
 *
 * <p>In a conditional flow the block is {@code y = x + g(x, c)}: the pass's condition enters every map of the
 * branch as an x-independent bias ({@link ContextBiases}, which says why {@code Lip_x(g) < 1} still holds), so
 * every estimator, the Neumann gradient and the fixed-point inverse work on the Jacobian in x at {@code (x, c)}.
 *
 * <p>In a graph, {@link #forwardAndLogDet(Ops, Operand, PassContext)} builds the block as a call of a function shared
 * by every block of the same kind, whose gradient recomputes the block from its input ({@link BlockFunctions}). A
 * conditional block is built inline: its per-example context biases are no part of the function's traced signature.
 */
public final class ResidualLayer<T extends TFloating> extends AbstractLayer<T, ResidualBlock> {
  /** Random streams per block: probe vectors and term counts. */
  private static final long PROBE_STREAM = 1;
  private static final long COUNT_STREAM = 2;

  /** The name of the log-det series' while loop (its body function's name starts with it). */
  static final String SERIES_LOOP = "logdet_series";

  /** The measured step's round-off floor, in ulps of x (see {@link #solve}). */
  private static final int ROUND_OFF_ULPS = 4;

  private final ResidualBlock spec;
  private final Shape shape;
  private final SequentialBranch<T> branch;
  private final Parameters<T> parameters;
  private final long streamBase;
  /** The context's projections in a conditional flow; null otherwise. */
  private final @Nullable ContextBiases<T> contextBiases;
  /** Whether the block is built as a call of its kind's shared function (see {@link #sharedBy}). */
  private boolean calledAsFunction = true;
  /** The iteration counts of the inverses built so far in this graph (see {@link #inverseIterations()}). */
  private final List<Operand<TInt32>> inverseIterations = new ArrayList<>();

  public ResidualLayer(Ops tf, ResidualBlock spec, Shape shape, Parameters<T> parameters) {
    this(tf, spec, shape, 0, parameters);
  }

  /**
   * A block of a conditional flow when {@code conditionFeatures > 0}: the pass's condition ({@code [batch,
   * conditionFeatures]}) enters g through {@link ContextBiases}.
   */
  public ResidualLayer(Ops tf, ResidualBlock spec, Shape shape, int conditionFeatures, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    this.spec = spec;
    this.shape = shape;
    this.parameters = parameters;
    this.streamBase = parameters.nextHostSeed();
    this.branch = SequentialBranch.create(
        tf, spec.branch(), spec.activation(), spec.lipschitz(), shape, parameters.in("branch"));
    // Created after the branch, so an unconditional block keeps its weights and their seeds.
    this.contextBiases = conditionFeatures == 0 ? null : ContextBiases.create(tf, branch.linears(),
        conditionFeatures, spec.branch() instanceof LipschitzConvNet, parameters.in("branch"));
  }

  /**
   * Tells the block how many blocks of its flow share its kind (equal spec and example shape); the compiler calls it
   * once all blocks exist, before any pass is built. A block is a call of its kind's shared function
   * ({@link BlockFunctions}) unless it is alone of its kind and its training estimator backpropagates through a
   * truncated series: a called block's backward pass recomputes the unrolled series, which made one width-512 conv
   * block 1.3–1.4 times slower per step than the block built in place, for the same memory, and a lone block shares
   * no body. With the Neumann gradient a lone block stays a call: its backward call recomputes only the branch, and
   * the call keeps only the block's input between the passes, where the block built in place keeps its activations
   * (the paper's MNIST model, whose first block is of its own kind, took 1.3 GB more with it built in place).
   */
  public void sharedBy(int blocksOfThisKind) {
    boolean backpropagatesThroughSeries = spec.logDet() instanceof TruncatedSeries truncated
        && truncated.gradient() == GradientMode.BACKPROP;
    this.calledAsFunction = blocksOfThisKind > 1 || !backpropagatesThroughSeries;
  }

  /** The kind {@link #sharedBy} counts blocks of: blocks with equal keys can share one function body. */
  public Object kind() {
    return java.util.List.of(spec, shape);
  }

  @Override
  public List<Variable<T>> variables() {
    if (contextBiases == null) {
      return branch.variables();
    }
    List<Variable<T>> all = new ArrayList<>(branch.variables());
    all.addAll(contextBiases.variables());
    return all;
  }

  /** The branch's live weights, with the context's projections in the biases in a conditional flow. */
  private List<Operand<T>> weights(Ops tf, PassContext<T> context) {
    List<Operand<T>> weights = branch.weights(tf);
    if (contextBiases == null) {
      return weights;
    }
    Operand<T> condition = context.condition();
    // A static rank other than 2 is a pixel-wise condition (a dequantization flow's), which blocks do not take.
    if (condition == null || (condition.shape().numDimensions() >= 0 && condition.shape().numDimensions() != 2)) {
      throw new IllegalArgumentException("this residual block belongs to a conditional flow: pass its condition "
          + "[batch, features] in the PassContext, but it was " + (condition == null ? "none" : condition.shape()));
    }
    return contextBiases.addTo(tf, weights, condition);
  }

  /**
   * The raw learned orders of the branch's induced norms (empty unless the spec learns them): variables that the
   * likelihood does not reach, trained through {@link #learnedOrderObjectiveTerms}.
   */
  public List<Variable<T>> learnedOrderVariables() {
    return branch.rawOrders();
  }

  /**
   * With learned orders, one term per map of the official {@code compute_p_grads} objective: the one-step induced
   * norm estimate with the weights and power-iteration vectors held fixed, differentiable in the raw orders only.
   * The trainer averages the terms over the whole model and adds their gradient to the raw orders' after clipping.
   */
  public List<Operand<T>> learnedOrderObjectiveTerms(Ops tf) {
    return branch.oneStepNormEstimates(tf);
  }

  /** The branch g, for structural and Jacobian tests. */
  BranchFunction<T> branch() {
    return branch;
  }

  /** The live, normalised weights in the branch's flat order. */
  List<Operand<T>> branchWeights(Ops tf) {
    return branch.weights(tf);
  }

  /** The branch's linear maps, for Lipschitz checks. */
  public List<Operand<T>> normalizedWeights(Ops tf) {
    List<Operand<T>> weights = new ArrayList<>();
    for (SpectralLinear<T> linear : branch.linears()) {
      weights.add(linear.normalizedWeight(tf));
    }
    return weights;
  }

  @Override
  public List<Op> normalizationUpdates(Ops tf, boolean thorough) {
    int iterations = spec.lipschitz().maxIterations() * (thorough ? 10 : 1);
    double tolerance = spec.lipschitz().tolerance() / (thorough ? 100 : 1);
    // The thorough refresh (start-up, before evaluation) also restarts induced-norm estimates from random points.
    return branch.powerIterations(tf, iterations, tolerance, thorough);
  }

  /**
   * The block as a call of its shape's TF function (see {@link BlockFunctions}): the main graph holds a few ops per
   * block, and the gradient recomputes the block from its input.
   */
  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    LogDetEstimator estimator = context.mode() == FlowMode.TRAINING ? spec.logDet() : spec.evaluationLogDet();
    if (contextBiases != null || !calledAsFunction) {
      // The function bodies are traced with the branch's own weight shapes; a conditional block's biases are per
      // example, so it is built inline (same maths, one copy per block). So is a block alone of its kind.
      return forwardAndLogDet(tf, x, weights(tf, context), probeSeed(tf), countSeed(tf), estimator);
    }
    Transformed<T> called = BlockFunctions.forwardAndLogDet(tf, this, x, branch.parameters(tf), probeSeed(tf),
        countSeed(tf), estimator);
    if (context.isInitializing()) {
      // The data-dependent initialisation pass reads only y, and a call op runs its whole body, series loop
      // included: y is built in place from the branch's forward pass, and the call, whose log-det this pass returns
      // but never runs, stays unexecuted. The paper's MNIST model: the pass took 26 s through the calls, 7.5 s so.
      return new Transformed<>(tf.math.add(x, branch.forward(tf, x, weights(tf, context))), called.logDet());
    }
    return called;
  }

  /** The normalised branch weights from the branch's raw parameters' values (see {@link BlockFunctions}). */
  List<Operand<T>> branchWeightsFrom(Ops tf, List<Operand<T>> parameters) {
    return branch.weights(tf, parameters);
  }

  /**
   * {@code y = x + g(x)} and its log-det with the given weights and seeds. Pure: it reads no variable and no outer
   * tensor, so it builds inside a function body as well as in the main graph.
   */
  Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, List<Operand<T>> weights, Operand<TInt64> probeSeed,
      Operand<TInt64> countSeed, LogDetEstimator estimator) {
    // One forward pass gives g(x) and the Jacobian's factors that every log-det estimator reuses.
    BranchFunction.Linearized<T> linearized = branch.linearize(tf, x, weights);
    Operand<T> y = tf.math.add(x, linearized.output());
    return new Transformed<>(y, logDet(tf, x, linearized.jacobian(), estimator, probeSeed, countSeed));
  }

  /** Whether some residual block of the graph is a call of a shared block function (see {@link BlockFunctions}). */
  public static boolean blocksCalledAsFunctionsIn(org.tensorflow.Graph graph) {
    return BlockFunctions.calledIn(graph);
  }

  /** Whether the estimator's gradient is the Neumann surrogate's, whose series vector a backward pass can reuse. */
  static boolean usesNeumannGradient(LogDetEstimator estimator) {
    return estimator instanceof RussianRoulette roulette ? roulette.gradient() == GradientMode.NEUMANN
        : estimator instanceof TruncatedSeries truncated && truncated.gradient() == GradientMode.NEUMANN;
  }

  /**
   * For a Neumann-gradient estimator: {@code y}, the log-det estimate and the Neumann vector
   * {@code w = Σ_k (-1)^k vᵀJ^k / P(N ≥ k)} the surrogate holds fixed. No gradient is attached: {@link BlockFunctions}
   * hands w to {@link #neumannSurrogate}, so a block's backward pass needs no second series loop.
   */
  NeumannForward<T> neumannForward(Ops tf, Operand<T> x, List<Operand<T>> weights, Operand<TInt64> probeSeed,
      Operand<TInt64> countSeed, LogDetEstimator estimator) {
    BranchFunction.Linearized<T> linearized = branch.linearize(tf, x, weights);
    Operand<T> y = tf.math.add(x, linearized.output());
    Operand<T> probe = probe(tf, x, probeSeed);
    Operand<TInt32> counts = seriesTerms(estimator).count(tf, Tensors.batchSize(tf, x), countSeed);
    SeriesSums<T> sums = neumannLoop(tf, x, linearized.jacobian(), probe, counts, seriesTerms(estimator));
    return new NeumannForward<>(y, sums.estimate(), sums.neumannVector());
  }

  /**
   * {@code (y, Σ_i w_i·(J v)_i)} with w given: differentiating {@code Σ dy·y + Σ dLogDet·surrogate} gives the same
   * gradient as the block built in place with the Neumann gradient, from one branch pass and no series loop.
   */
  Transformed<T> neumannSurrogate(Ops tf, Operand<T> x, List<Operand<T>> weights, Operand<TInt64> probeSeed,
      Operand<T> neumannVector) {
    BranchFunction.Linearized<T> linearized = branch.linearize(tf, x, weights);
    Operand<T> y = tf.math.add(x, linearized.output());
    return new Transformed<>(y, surrogate(tf, linearized.jacobian(), probe(tf, x, probeSeed), neumannVector));
  }

  /** The Neumann surrogate {@code Σ_i w_i·(J v)_i} per example, w held fixed: its gradient is the log-det's. */
  private Operand<T> surrogate(Ops tf, BranchJacobian<T> jacobian, Operand<T> probe, Operand<T> neumannVector) {
    return perExampleDot(tf, tf.stopGradient(neumannVector), branch.jvp(tf, jacobian, probe));
  }

  /** A Neumann-gradient block's forward outputs (see {@link #neumannForward}). */
  record NeumannForward<T extends TFloating>(Operand<T> y, Operand<T> logDet, Operand<T> neumannVector) {}

  /** The series loop's two sums: the log-det estimate and the Neumann vector. */
  private record SeriesSums<T extends TFloating>(Operand<T> estimate, Operand<T> neumannVector) {}

  /** The shape of one example. */
  Shape exampleShape() {
    return shape;
  }

  Operand<TInt64> probeSeed(Ops tf) {
    return parameters.derivedSeed(tf, streamBase + PROBE_STREAM);
  }

  Operand<TInt64> countSeed(Ops tf) {
    return parameters.derivedSeed(tf, streamBase + COUNT_STREAM);
  }

  /** {@code log det(I + J_g(x))} per example with the given estimator and the live weights. */
  public Operand<T> logDet(Ops tf, Operand<T> x, LogDetEstimator estimator) {
    return logDet(tf, x, PassContext.evaluation(), estimator);
  }

  /** {@code log det(I + J_g(x, c))} (the Jacobian in x, c the pass's condition in a conditional flow). */
  public Operand<T> logDet(Ops tf, Operand<T> x, PassContext<T> context, LogDetEstimator estimator) {
    return logDet(tf, x, branch.linearize(tf, x, weights(tf, context)).jacobian(), estimator, probeSeed(tf),
        countSeed(tf));
  }

  private Operand<T> logDet(Ops tf, Operand<T> x, BranchJacobian<T> jacobian, LogDetEstimator estimator,
      Operand<TInt64> probeSeed, Operand<TInt64> countSeed) {
    if (estimator instanceof ExactLogDet) {
      return exactLogDet(tf, x, jacobian);
    }
    SeriesTerms terms = seriesTerms(estimator);
    Operand<T> probe = probe(tf, x, probeSeed);
    if (!usesNeumannGradient(estimator)) {
      return unrolledSeries(tf, x, jacobian, probe, ((TruncatedSeries) estimator).terms());
    }
    Operand<TInt32> counts = terms.count(tf, Tensors.batchSize(tf, x), countSeed);
    return neumannSeries(tf, x, jacobian, probe, counts, terms);
  }

  private static SeriesTerms seriesTerms(LogDetEstimator estimator) {
    return estimator instanceof RussianRoulette roulette
        ? SeriesTerms.of(roulette)
        : SeriesTerms.of((TruncatedSeries) estimator);
  }

  /** The probe v: behind stopGradient, since it is a constant of the estimator and random ops have no gradient. */
  private Operand<T> probe(Ops tf, Operand<T> x, Operand<TInt64> probeSeed) {
    return tf.stopGradient(tf.random.statelessRandomNormal(tf.shape(x), probeSeed, type));
  }

  /** The brute-force Jacobian: one vector–Jacobian product per dimension, then {@code log|det(I + J)|}. */
  private Operand<T> exactLogDet(Ops tf, Operand<T> x, BranchJacobian<T> jacobian) {
    int d = shape.size();
    long[] basisShape = new long[shape.rank() + 1];
    basisShape[0] = 1;
    for (int i = 0; i < shape.rank(); i++) {
      basisShape[i + 1] = shape.dim(i);
    }
    List<Operand<T>> rows = new ArrayList<>();
    for (int j = 0; j < d; j++) {
      double[] basis = new double[d];
      basis[j] = 1;
      Operand<T> e = tf.math.mul(tf.onesLike(x), Tensors.constant(tf, basis, basisShape, type));
      // Row j of J_g per example, flattened: [batch, d].
      rows.add(tf.reshape(branch.vjp(tf, jacobian, e), tf.constant(new int[] {-1, d})));
    }
    Operand<T> jacobianMatrix = tf.stack(rows, org.tensorflow.op.core.Stack.axis(1L)); // [batch, d, d]
    double[] eye = new double[d * d];
    for (int i = 0; i < d; i++) {
      eye[i * d + i] = 1;
    }
    Operand<T> matrix = tf.math.add(jacobianMatrix, Tensors.constant(tf, eye, new long[] {1, d, d}, type));
    return tf.linalg.logMatrixDeterminant(matrix).logAbsDeterminant();
  }

  /**
   * i-ResNet: the series unrolled in the graph, differentiated by backpropagation (memory grows with n). Every term
   * reuses the one Jacobian, so backpropagation reaches x and θ through its factors once, not once per term.
   */
  private Operand<T> unrolledSeries(Ops tf, Operand<T> x, BranchJacobian<T> jacobian, Operand<T> probe, int n) {
    Operand<T> w = probe;
    Operand<T> total = Tensors.zerosPerExample(tf, x, type);
    for (int k = 1; k <= n; k++) {
      w = branch.vjp(tf, jacobian, w);
      double coefficient = (k % 2 == 1 ? 1.0 : -1.0) / k;
      total = tf.math.add(total,
          tf.math.mul(Tensors.scalar(tf, coefficient, type), perExampleDot(tf, w, probe)));
    }
    return total;
  }

  /**
   * The series in a while loop (any number of terms, per example), returning the estimate whose gradient is that
   * of the Neumann surrogate {@code Σ_i w_i·(J v)_i}. The Jacobian's factors (the transposed maps' operands, the
   * activation derivatives) enter the loop as loop variables, so a term is only transposed linear maps and
   * elementwise products, in the spec's {@link org.flows4j.api.residual.SeriesPrecision} ({@link SeriesProducts});
   * the probe, the sums and the surrogate's {@code J v} stay in the model's dtype.
   */
  private Operand<T> neumannSeries(Ops tf, Operand<T> x, BranchJacobian<T> jacobian, Operand<T> probe,
      Operand<TInt32> counts, SeriesTerms terms) {
    SeriesSums<T> sums = neumannLoop(tf, x, jacobian, probe, counts, terms);
    return CustomGradient.valueWithGradientOf(tf, sums.estimate(),
        surrogate(tf, jacobian, probe, sums.neumannVector()));
  }

  /** The series loop: the estimate and the Neumann vector, no gradient attached. */
  private SeriesSums<T> neumannLoop(Ops tf, Operand<T> x, BranchJacobian<T> jacobian, Operand<T> probe,
      Operand<TInt32> counts, SeriesTerms terms) {
    int rank = shape.rank();
    // Loop variables: 0 k, 1 counts, 2 w = vᵀJ^k, 3 probe v, 4 estimate [batch], 5 Neumann vector, 6.. the Jacobian for uᵀJ.
    List<Operand<?>> initial = new ArrayList<>(List.of(tf.constant(0), counts, probe, probe,
        Tensors.zerosPerExample(tf, x, type), probe));
    SeriesProducts<T> products = SeriesProducts.of(branch, spec.seriesPrecision(), type);
    initial.addAll(products.loopFactors(tf, jacobian));
    int fixed = 6;
    List<Operand<?>> out = WhileLoop.run(tf, SERIES_LOOP, initial,
        (c, vars) -> c.math.less(WhileLoop.<TInt32>get(vars, 0), c.max(WhileLoop.<TInt32>get(vars, 1),
            c.constant(0))),
        (b, vars) -> {
          Operand<TInt32> k = b.math.add(WhileLoop.<TInt32>get(vars, 0), b.constant(1));
          Operand<TInt32> count = WhileLoop.get(vars, 1);
          Operand<T> v = WhileLoop.get(vars, 3);
          List<Operand<?>> factors = new ArrayList<>(vars.subList(fixed, vars.size()));
          Operand<T> w = products.vjp(b, jacobian, factors, WhileLoop.get(vars, 2));
          Operand<T> weight = terms.weight(b, k, count, type); // [batch]
          Operand<T> kT = b.dtypes.cast(k, type);
          Operand<T> sign = b.math.sub(Tensors.scalar(b, 1.0, type),
              b.math.mul(Tensors.scalar(b, 2.0, type), b.math.floorMod(b.math.add(kT, Tensors.scalar(b, 1.0, type)),
                  Tensors.scalar(b, 2.0, type)))); // (-1)^(k+1)
          Operand<T> term = b.math.mul(b.math.div(b.math.mul(sign, weight), kT), perExampleDot(b, w, v));
          Operand<T> estimate = b.math.add(WhileLoop.<T>get(vars, 4), term);
          Operand<T> neumannWeight = b.math.neg(b.math.mul(sign, weight)); // (-1)^k · weight
          Operand<T> neumann = b.math.add(WhileLoop.<T>get(vars, 5),
              b.math.mul(perExampleBroadcast(b, neumannWeight, rank), w));
          List<Operand<?>> next = new ArrayList<>(List.of(k, count, w, v, estimate, neumann));
          next.addAll(factors);
          return next;
        });
    return new SeriesSums<>(WhileLoop.get(out, 4), WhileLoop.get(out, 5));
  }

  /** The fixed-point inverse with its diagnostics. */
  public record FixedPointResult<T extends TFloating>(
      Operand<T> x, Operand<TInt32> iterations, Operand<T> change, Operand<TBool> converged) {}

  /**
   * Solves {@code x + g(x) = y} by {@code x ← y - g(x)}, starting from {@code y - g(y)}, until for every example
   * {@code L/(1 - L)·‖xₖ₊₁ - xₖ‖ ≤ atol + (rtol + r)·‖xₖ₊₁‖} (Euclidean norms of one example, {@code L} the
   * block's {@code lipschitzCoeff}). Since {@code x ↦ y - g(x)} is an {@code L}-contraction in that norm, the left
   * side bounds the distance to the true inverse, so the tolerances bound the error, not just the last step (with
   * {@code L = 0.98} the error can be 49 times the step). {@code r = L/(1 - L)·4·ε} is the round-off floor of the
   * measured step ({@code ε} the float type's machine epsilon): 2.3e-5 in float32 at {@code L = 0.98}, 4e-14 in
   * float64. {@link FixedPointResult#change()} is the largest error bound in the batch.
   */
  public FixedPointResult<T> solve(Ops tf, Operand<T> y) {
    return solve(tf, y, PassContext.evaluation());
  }

  /** {@link #solve(Ops, Operand)} for {@code x + g(x, c) = y}, c the pass's condition held fixed. */
  public FixedPointResult<T> solve(Ops tf, Operand<T> y, PassContext<T> context) {
    FixedPointInverse inverse = spec.inverse();
    double lipschitz = spec.lipschitz().coeff();
    double errorPerStep = lipschitz / (1 - lipschitz);
    // Steps cannot be measured below round-off (a few ulps of x), and multiplied by L/(1 - L) that floor can exceed
    // a float32 tolerance: count it into the relative tolerance instead of looping until maxIterations.
    double roundOff = errorPerStep * ROUND_OFF_ULPS * (type == TFloat64.class ? Math.ulp(1.0) : Math.ulp(1f));
    double relative = inverse.rtol() + roundOff;
    int rank = shape.rank();
    List<Operand<T>> weights = weights(tf, context);
    Operand<T> start = tf.math.sub(y, branch.forward(tf, y, weights));
    // Loop variables: 0 iteration, 1 x, 2 y, 3 largest error bound, 4 converged, 5.. weights.
    List<Operand<?>> initial = new ArrayList<>(List.of(tf.constant(0), start, y,
        Tensors.scalar(tf, Double.POSITIVE_INFINITY, type), tf.constant(false)));
    initial.addAll(weights);
    int fixed = 5;
    List<Operand<?>> out = WhileLoop.run(tf, "fixed_point", initial,
        (c, vars) -> c.math.logicalAnd(
            c.math.less(WhileLoop.<TInt32>get(vars, 0), c.constant(inverse.maxIterations())),
            c.math.logicalNot(WhileLoop.<TBool>get(vars, 4))),
        (b, vars) -> {
          Operand<T> x = WhileLoop.get(vars, 1);
          Operand<T> target = WhileLoop.get(vars, 2);
          List<Operand<T>> ws = WhileLoop.getFrom(vars, fixed);
          Operand<T> next = b.math.sub(target, branch.forward(b, x, ws));
          Operand<T> errorBound = b.math.mul(norms(b, b.math.sub(next, x), rank),
              Tensors.scalar(b, errorPerStep, type));
          Operand<T> tolerance = b.math.add(Tensors.scalar(b, inverse.atol(), type),
              b.math.mul(Tensors.scalar(b, relative, type), norms(b, next, rank)));
          Operand<TBool> converged = b.reduceAll(b.math.lessEqual(errorBound, tolerance), b.constant(0));
          Operand<T> change = b.max(errorBound, b.constant(0));
          List<Operand<?>> result = new ArrayList<>(List.of(
              b.math.add(WhileLoop.<TInt32>get(vars, 0), b.constant(1)), next, target, change, converged));
          result.addAll(ws);
          return result;
        });
    return new FixedPointResult<>(
        WhileLoop.get(out, 1), WhileLoop.get(out, 0), WhileLoop.get(out, 3), WhileLoop.get(out, 4));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> y, PassContext<T> context) {
    FixedPointResult<T> result = solve(tf, y, context);
    inverseIterations.add(result.iterations());
    FixedPointInverse inverse = spec.inverse();
    Op check = tf.assertThat(result.converged(), List.of(
        tf.constant("residualBlock: the fixed-point inverse did not converge in " + inverse.maxIterations()
            + " iterations (atol " + inverse.atol() + ", rtol " + inverse.rtol() + "); last error bound:"),
        result.change(),
        // No apostrophes: TensorFlow escapes them in assertion messages.
        tf.constant(". The Lipschitz constant of the block is too close to 1: lower lipschitzCoeff or raise "
            + "maxIterations.")));
    Operand<T> x = tf.withControlDependencies(List.of(check)).identity(result.x());
    Operand<T> logDet = tf.math.neg(logDet(tf, x, context, spec.evaluationLogDet()));
    return new Transformed<>(x, logDet);
  }

  private Operand<T> perExampleDot(Ops tf, Operand<T> a, Operand<T> b) {
    return Tensors.sumPerExample(tf, tf.math.mul(a, b), shape.rank());
  }

  /** {@code [batch]} reshaped to broadcast over an example. */
  private static <T extends TFloating> Operand<T> perExampleBroadcast(Ops tf, Operand<T> values, int rank) {
    int[] dims = new int[rank + 1];
    java.util.Arrays.fill(dims, 1);
    dims[0] = -1;
    return tf.reshape(values, tf.constant(dims));
  }

  /** The Euclidean norm of each example, {@code [batch]}. */
  private Operand<T> norms(Ops tf, Operand<T> x, int rank) {
    return tf.math.sqrt(Tensors.sumPerExample(tf, tf.math.square(x), rank));
  }

  /**
   * How many series terms this block's training estimator draws in a training pass run with the same flow seed
   * ({@code random_seed}): the same stateless draw as {@link #forwardAndLogDet}'s, so fetched in the same run it is
   * the count that pass used (one count per batch, as the reference implementation draws). A fixed {@code n} for
   * the truncated series; empty for the exact log-det, which sums no series.
   */
  public java.util.Optional<Operand<TInt32>> trainingSeriesTerms(Ops tf) {
    LogDetEstimator estimator = spec.logDet();
    if (estimator instanceof ExactLogDet) {
      return java.util.Optional.empty();
    }
    if (estimator instanceof TruncatedSeries truncated) {
      return java.util.Optional.of(tf.constant(truncated.terms()));
    }
    Operand<TInt32> counts = SeriesTerms.of((RussianRoulette) estimator).count(tf, tf.constant(1), countSeed(tf));
    return java.util.Optional.of(tf.reshape(counts, tf.constant(new int[0])));
  }

  /**
   * The fixed-point iteration counts ({@code int32} scalars) of every inverse of this block built so far in this
   * graph, in build order: fetch one with the run that computes that inverse (sampling, decoding) to see how many
   * iterations it took.
   */
  public List<Operand<TInt32>> inverseIterations() {
    return List.copyOf(inverseIterations);
  }
}
