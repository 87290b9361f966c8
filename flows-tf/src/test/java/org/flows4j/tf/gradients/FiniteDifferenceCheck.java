package org.flows4j.tf.gradients;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat64;

/**
 * Checks analytic gradients ({@code tf.gradients}) against central finite differences, in float64.
 *
 * <p>For a graph-building function f of one or more float64 inputs, it builds the scalar objective
 * {@code s(x) = Σ w ⊙ f(x)} with a random weight tensor w (seeded, uniform in [−1, 1], shaped like f's output at the
 * given point), takes the analytic gradient of s with respect to every input ({@link SafeGradients}, so inputs
 * without a gradient count as zero), and compares each entry with {@code (s(x + h·eᵢ) − s(x − h·eᵢ)) / 2h}. The
 * comparison uses one graph and one session; each entry costs two session runs.
 *
 * <pre>{@code
 * Result r = FiniteDifferenceCheck.create()
 *     .check("tanh", tf -> x -> tf.math.tanh(x), Shape.of(3, 3), FiniteDifferenceCheck.uniform(1, 9, -2, 2));
 * r.assertMaxAbsErrorAtMost(1e-6);
 * }</pre>
 *
 * <p>Errors: with h = 1e-6 the truncation error is ~h²·|s'''| ≈ 1e-12 and the rounding error ~ε·|s|/h ≈ 1e-10·|s|,
 * so for well-scaled problems (|s| ≲ 10, smooth on [x − h, x + h]) a correct gradient agrees to ~1e-9. Keep the
 * inputs away from kinks (|x| = 0 for ReLU-like functions, half-integers for round).
 */
public final class FiniteDifferenceCheck {

  /** A float64 input: its name (for messages), shape and values (row-major). */
  public record Input(String name, Shape shape, double[] values) {
    public Input {
      if (shape.size() != values.length) {
        throw new IllegalArgumentException(
            name + ": shape " + shape + " holds " + shape.size() + " values, got " + values.length);
      }
      values = values.clone();
    }
  }

  /** Builds f's output from the input placeholders (in the order of the inputs). */
  @FunctionalInterface
  public interface GraphFunction {
    Operand<TFloat64> apply(Ops tf, List<Operand<TFloat64>> inputs);
  }

  /**
   * The outcome of one check.
   *
   * @param name the label given to {@code check}
   * @param maxAbsError max over all entries of |analytic − finite difference|
   * @param maxRelError max over all entries of |analytic − fd| / max(1, |fd|)
   * @param maxAbsGradient max |analytic| (scale of the numbers being compared)
   * @param entries how many input entries were perturbed
   * @param worstEntry "input[index]" of the entry with the largest absolute error
   */
  public record Result(
      String name,
      double maxAbsError,
      double maxRelError,
      double maxAbsGradient,
      int entries,
      String worstEntry) {

    /** One line for logs and issue notes. */
    public String summary() {
      return String.format(
          Locale.ROOT,
          "%-40s max|err| = %.3e  max rel = %.3e  max|grad| = %.3e  entries = %d  worst = %s",
          name,
          maxAbsError,
          maxRelError,
          maxAbsGradient,
          entries,
          worstEntry);
    }

    /** Throws {@link AssertionError} (with the summary) if the max absolute error exceeds {@code tolerance}. */
    public Result assertMaxAbsErrorAtMost(double tolerance) {
      if (!(maxAbsError <= tolerance)) {
        throw new AssertionError("finite-difference check failed (tolerance " + tolerance + "): " + summary());
      }
      return this;
    }

    /** Throws {@link AssertionError} if the max relative error (|err| / max(1, |fd|)) exceeds {@code tolerance}. */
    public Result assertMaxRelErrorAtMost(double tolerance) {
      if (!(maxRelError <= tolerance)) {
        throw new AssertionError("finite-difference check failed (rel. tolerance " + tolerance + "): " + summary());
      }
      return this;
    }
  }

  private final double step;
  private final long seed;
  private final boolean print;

  private FiniteDifferenceCheck(double step, long seed, boolean print) {
    this.step = step;
    this.seed = seed;
    this.print = print;
  }

  /** h = 1e-6, seed 1234, prints each result's summary to stdout. */
  public static FiniteDifferenceCheck create() {
    return new FiniteDifferenceCheck(1e-6, 1234L, true);
  }

  /** The finite-difference step h. */
  public FiniteDifferenceCheck withStep(double h) {
    if (!(h > 0)) {
      throw new IllegalArgumentException("step must be > 0: " + h);
    }
    return new FiniteDifferenceCheck(h, seed, print);
  }

  /** The seed of the random weights w. */
  public FiniteDifferenceCheck withSeed(long s) {
    return new FiniteDifferenceCheck(step, s, print);
  }

  /** Whether to print each result's summary to stdout. */
  public FiniteDifferenceCheck printing(boolean p) {
    return new FiniteDifferenceCheck(step, seed, p);
  }

  /** Checks a function of one input. */
  public Result check(
      String name, Function<Ops, Function<Operand<TFloat64>, Operand<TFloat64>>> f, Shape shape, double[] x) {
    return check(name, (tf, in) -> f.apply(tf).apply(in.get(0)), List.of(new Input("x", shape, x)));
  }

  /** Checks a function of several inputs: every entry of every input is perturbed. */
  public Result check(String name, GraphFunction f, List<Input> inputs) {
    GradientRegistry.ensureRegistered();
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat64>> placeholders = new ArrayList<>();
      for (Input in : inputs) {
        placeholders.add(tf.withName(sanitize(in.name())).placeholder(TFloat64.class, Placeholder.shape(in.shape())));
      }
      Operand<TFloat64> out = f.apply(tf, placeholders);
      Shape outShape = evaluateShape(s, placeholders, inputs, out);
      double[] weights = uniform(seed, (int) outShape.size(), -1, 1);
      Operand<TFloat64> w = tf.constant(outShape, DataBuffers.of(weights));
      Operand<TFloat64> objective =
          tf.sum(tf.reshape(tf.math.mul(w, out), tf.constant(new int[] {-1})), tf.constant(0));
      List<Operand<?>> grads = SafeGradients.gradientsOrZeros(tf, objective, placeholders, tf.constant(1.0));

      List<double[]> analytic = evaluateAll(s, placeholders, inputs, grads);
      double maxAbs = 0;
      double maxRel = 0;
      double maxGrad = 0;
      String worst = "-";
      int entries = 0;
      for (int k = 0; k < inputs.size(); k++) {
        double[] base = inputs.get(k).values();
        for (int i = 0; i < base.length; i++) {
          List<double[]> plus = replace(inputs, k, i, base[i] + step);
          List<double[]> minus = replace(inputs, k, i, base[i] - step);
          double fd = (scalar(s, placeholders, inputs, plus, objective)
                  - scalar(s, placeholders, inputs, minus, objective))
              / (2 * step);
          double a = analytic.get(k)[i];
          double err = Math.abs(a - fd);
          if (!(err <= maxAbs)) { // also catches NaN
            maxAbs = Double.isNaN(err) ? Double.NaN : err;
            worst = inputs.get(k).name() + Arrays.toString(index(inputs.get(k).shape(), i));
          }
          maxRel = Math.max(maxRel, err / Math.max(1, Math.abs(fd)));
          maxGrad = Math.max(maxGrad, Math.abs(a));
          entries++;
          if (Double.isNaN(maxAbs)) {
            break;
          }
        }
      }
      Result r = new Result(name, maxAbs, maxRel, maxGrad, entries, worst);
      if (print) {
        System.out.println("[FD] " + r.summary());
      }
      return r;
    }
  }

  /** n values uniform in [lo, hi), reproducible from the seed. */
  public static double[] uniform(long seed, int n, double lo, double hi) {
    Random r = new Random(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = lo + (hi - lo) * r.nextDouble();
    }
    return v;
  }

  /** n values with |v| uniform in [lo, hi) and a random sign: keeps inputs away from a kink at 0. */
  public static double[] awayFromZero(long seed, int n, double lo, double hi) {
    Random r = new Random(seed);
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      double m = lo + (hi - lo) * r.nextDouble();
      v[i] = r.nextBoolean() ? m : -m;
    }
    return v;
  }

  /**
   * A batch of {@code batch} random n×n matrices (row-major) with {@code shift} added to the diagonal: entries in
   * [−1, 1), so for shift ≥ n the matrices are diagonally dominant and well conditioned.
   */
  public static double[] wellConditioned(long seed, int batch, int n, double shift) {
    double[] v = uniform(seed, batch * n * n, -1, 1);
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < n; i++) {
        v[b * n * n + i * n + i] += shift;
      }
    }
    return v;
  }

  /** A batch of symmetric positive definite n×n matrices M·Mᵀ + shift·I. */
  public static double[] symmetricPositiveDefinite(long seed, int batch, int n, double shift) {
    double[] m = uniform(seed, batch * n * n, -1, 1);
    double[] v = new double[batch * n * n];
    for (int b = 0; b < batch; b++) {
      int o = b * n * n;
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          double sum = i == j ? shift : 0;
          for (int k = 0; k < n; k++) {
            sum += m[o + i * n + k] * m[o + j * n + k];
          }
          v[o + i * n + j] = sum;
        }
      }
    }
    return v;
  }

  private static String sanitize(String name) {
    String s = name.replaceAll("[^A-Za-z0-9_.\\-/]", "_");
    return s.isEmpty() || !Character.isLetterOrDigit(s.charAt(0)) ? "in_" + s : s;
  }

  private static List<double[]> replace(List<Input> inputs, int k, int i, double value) {
    List<double[]> vs = new ArrayList<>(inputs.size());
    for (int j = 0; j < inputs.size(); j++) {
      double[] v = inputs.get(j).values();
      if (j == k) {
        v = v.clone();
        v[i] = value;
      }
      vs.add(v);
    }
    return vs;
  }

  private static long[] index(Shape shape, int flat) {
    long[] idx = new long[shape.numDimensions()];
    long rest = flat;
    for (int d = idx.length - 1; d >= 0; d--) {
      long size = shape.get(d);
      idx[d] = rest % size;
      rest /= size;
    }
    return idx;
  }

  private static List<TFloat64> feeds(List<Input> inputs, List<double[]> values) {
    List<TFloat64> ts = new ArrayList<>(inputs.size());
    for (int k = 0; k < inputs.size(); k++) {
      ts.add(TFloat64.tensorOf(inputs.get(k).shape(), DataBuffers.of(values.get(k))));
    }
    return ts;
  }

  private static Session.Runner runner(Session s, List<Operand<TFloat64>> placeholders, List<TFloat64> ts) {
    Session.Runner r = s.runner();
    for (int k = 0; k < ts.size(); k++) {
      r.feed(placeholders.get(k), ts.get(k));
    }
    return r;
  }

  private static void closeAll(List<? extends Tensor> ts) {
    for (Tensor t : ts) {
      t.close();
    }
  }

  private static Shape evaluateShape(
      Session s, List<Operand<TFloat64>> placeholders, List<Input> inputs, Operand<TFloat64> out) {
    List<TFloat64> ts = feeds(inputs, valuesOf(inputs));
    try (org.tensorflow.Result r = runner(s, placeholders, ts).fetch(out).run()) {
      return r.get(0).shape();
    } finally {
      closeAll(ts);
    }
  }

  private static List<double[]> evaluateAll(
      Session s, List<Operand<TFloat64>> placeholders, List<Input> inputs, List<Operand<?>> fetches) {
    List<TFloat64> ts = feeds(inputs, valuesOf(inputs));
    Session.Runner runner = runner(s, placeholders, ts);
    for (Operand<?> f : fetches) {
      runner.fetch(f);
    }
    try (org.tensorflow.Result r = runner.run()) {
      List<double[]> out = new ArrayList<>();
      for (int k = 0; k < fetches.size(); k++) {
        TFloat64 t = (TFloat64) r.get(k);
        double[] v = new double[(int) t.shape().size()];
        t.copyTo(DataBuffers.of(v, false, false));
        out.add(v);
      }
      return out;
    } finally {
      closeAll(ts);
    }
  }

  private static double scalar(
      Session s,
      List<Operand<TFloat64>> placeholders,
      List<Input> inputs,
      List<double[]> values,
      Operand<TFloat64> objective) {
    List<TFloat64> ts = feeds(inputs, values);
    try (org.tensorflow.Result r = runner(s, placeholders, ts).fetch(objective).run()) {
      return ((TFloat64) r.get(0)).getDouble();
    } finally {
      closeAll(ts);
    }
  }

  private static List<double[]> valuesOf(List<Input> inputs) {
    List<double[]> vs = new ArrayList<>();
    for (Input in : inputs) {
      vs.add(in.values());
    }
    return vs;
  }
}
