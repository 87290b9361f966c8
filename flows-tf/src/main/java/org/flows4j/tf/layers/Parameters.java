package org.flows4j.tf.layers;

import com.google.common.collect.ImmutableList;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * Creates the variables of one compiled flow with seeded, deterministic initialisers. Each variable gets its own
 * seed derived from the flow's seed and the variable's creation index, so the same spec and seed always give the
 * same initial weights, whatever else runs in the JVM. Initial values are built in the init scope, so
 * {@code Session.initialize()} runs them and a restored checkpoint replaces them.
 *
 * <p>Variables are named {@code prefix + name}, the prefix growing with {@link #in} ({@code
 * level_0.step_3_residualBlock.branch.linear_0.weight}). Why not TensorFlow Java's name scopes: every
 * {@code Ops.withSubScope} scans the whole graph for used names, which made compiling a 100-block flow quadratic.
 */
public final class Parameters<T extends TFloating> {
  /** What all views of one flow's parameters share. */
  private static final class Shared<T extends TFloating> {
    final List<Variable<T>> trainable = new ArrayList<>();
    final List<Variable<?>> state = new ArrayList<>();
    long counter;
    @Nullable Operand<TInt64> randomSeed;
  }

  private final Class<T> type;
  private final long seed;
  private final Shared<T> shared;
  private final String prefix;

  public Parameters(Class<T> type, long seed) {
    this(type, seed, new Shared<>(), "");
  }

  private Parameters(Class<T> type, long seed, Shared<T> shared, String prefix) {
    this.type = type;
    this.seed = seed;
    this.shared = shared;
    this.prefix = prefix;
  }

  /** The same parameters, naming new variables under {@code component}. */
  public Parameters<T> in(String component) {
    return new Parameters<>(type, seed, shared, prefix + component + ".");
  }

  /** The graph name of a variable called {@code name} here (also for state kept outside these lists). */
  String named(String name) {
    return prefix + name;
  }

  public Class<T> type() {
    return type;
  }

  /** Variables the optimizer updates, in creation order. */
  public ImmutableList<Variable<T>> trainable() {
    return ImmutableList.copyOf(shared.trainable);
  }

  /** Non-trainable state that must be checkpointed (e.g. ActNorm's "initialised" flags). */
  public ImmutableList<Variable<?>> state() {
    return ImmutableList.copyOf(shared.state);
  }

  /** Glorot/Xavier uniform: U(-a, a) with a = sqrt(6 / (fanIn + fanOut)). */
  public Variable<T> glorotUniform(Ops tf, String name, long[] shape, long fanIn, long fanOut) {
    double limit = Math.sqrt(6.0 / (fanIn + fanOut));
    Ops init = tf.withInitScope();
    Operand<T> unit = init.random.statelessRandomUniform(init.constant(shape), nextSeed(init), type);
    Operand<T> value = init.math.mul(init.math.sub(unit, Tensors.scalar(init, 0.5, type)),
        Tensors.scalar(init, 2 * limit, type));
    return register(tf.withName(named(name)).variable(value));
  }

  /**
   * Initial values at most this large are built on the host and enter the graph as one constant: one op instead of
   * the three to eight of a fill or a random draw, and a deep flow has thousands of such small variables (biases,
   * slopes, power-iteration vectors). Larger ones stay ops, so the graph never holds megabytes of constants.
   */
  static final long HOST_INITIAL_VALUE_LIMIT = 4096;

  /** A trainable variable filled with {@code value}. */
  public Variable<T> filled(Ops tf, String name, long[] shape, double value) {
    Ops init = tf.withInitScope();
    long size = size(shape);
    Operand<T> filled;
    if (size <= HOST_INITIAL_VALUE_LIMIT) {
      double[] values = new double[Math.toIntExact(size)];
      java.util.Arrays.fill(values, value);
      filled = Tensors.constant(init, values, shape, type);
    } else {
      filled = init.fill(init.constant(shape), Tensors.scalar(init, value, type));
    }
    return register(tf.withName(named(name)).variable(filled));
  }

  private static long size(long[] shape) {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    return size;
  }

  /** A trainable variable with the given row-major initial values (computed on the host, e.g. a rotation). */
  public Variable<T> fromValues(Ops tf, String name, long[] shape, double[] values) {
    Ops init = tf.withInitScope();
    return register(tf.withName(named(name)).variable(Tensors.constant(init, values, shape, type)));
  }

  /** A non-trainable boolean flag starting false. */
  public Variable<TBool> flag(Ops tf, String name) {
    Ops init = tf.withInitScope();
    Variable<TBool> flag = tf.withName(named(name)).variable(init.constant(false));
    shared.state.add(flag);
    return flag;
  }

  /**
   * A non-trainable unit vector of the given shape, seeded (the persistent vectors of power iteration). Saved with
   * the weights, never touched by the optimizer.
   */
  public Variable<T> unitVector(Ops tf, String name, long[] shape) {
    Ops init = tf.withInitScope();
    long size = size(shape);
    if (size <= HOST_INITIAL_VALUE_LIMIT) {
      // Drawn on the host from this variable's seed (see HOST_INITIAL_VALUE_LIMIT): the same distribution.
      java.util.SplittableRandom random = new java.util.SplittableRandom(nextHostSeed());
      double[] values = new double[Math.toIntExact(size)];
      double squares = 0;
      for (int i = 0; i < values.length; i++) {
        values[i] = HostLinearAlgebra.gaussian(random);
        squares += values[i] * values[i];
      }
      double norm = Math.sqrt(squares);
      for (int i = 0; i < values.length; i++) {
        values[i] /= norm;
      }
      Variable<T> vector = tf.withName(named(name)).variable(Tensors.constant(init, values, shape, type));
      shared.state.add(vector);
      return vector;
    }
    Operand<T> gaussian = init.random.statelessRandomNormal(init.constant(shape), nextSeed(init), type);
    int[] axes = new int[shape.length];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    Operand<T> norm = init.math.sqrt(init.reduceSum(init.math.square(gaussian), init.constant(axes)));
    Variable<T> vector = tf.withName(named(name)).variable(init.math.div(gaussian, norm));
    shared.state.add(vector);
    return vector;
  }

  /**
   * The flow's random seed ({@code [2]} int64): a placeholder with a default, fed per batch by the trainer so
   * stochastic layers (residual blocks' estimators) draw fresh noise each step, reproducibly.
   */
  public Operand<TInt64> randomSeed() {
    Operand<TInt64> randomSeed = shared.randomSeed;
    if (randomSeed == null) {
      throw new IllegalStateException("the random seed was not set up by the compiler");
    }
    return randomSeed;
  }

  /** A seed for stream {@code stream} of this flow's randomness, derived from {@link #randomSeed()}. */
  public Operand<TInt64> derivedSeed(Ops tf, long stream) {
    return tf.math.add(randomSeed(), tf.constant(new long[] {0, mix(seed, stream)}));
  }

  /** Sets up {@link #randomSeed()}; called once by the compiler. */
  public void createRandomSeed(Ops tf) {
    shared.randomSeed = tf.withName("random_seed").placeholderWithDefault(
        tf.constant(new long[] {seed, 0}), org.tensorflow.ndarray.Shape.of(2));
  }

  /** A seed for host-side initialisers (rotations, permutations) that follows the same derivation. */
  public long nextHostSeed() {
    return mix(seed, shared.counter++);
  }

  private Variable<T> register(Variable<T> variable) {
    shared.trainable.add(variable);
    return variable;
  }

  private Operand<TInt64> nextSeed(Ops init) {
    long s = nextHostSeed();
    return init.constant(new long[] {s, mix(s, 0x9E3779B97F4A7C15L)});
  }

  /** SplitMix64 finaliser: decorrelates nearby seeds. */
  static long mix(long a, long b) {
    long z = a + b * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
