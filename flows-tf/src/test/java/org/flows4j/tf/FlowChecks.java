package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.flows4j.api.Shape;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat64;

/**
 * The conformance checks every bijection must pass (zuko's suite, in float64): round trip, log-det against the
 * brute-force Jacobian, forward and inverse log-dets cancel, finite outputs, a gradient for every variable.
 */
public final class FlowChecks {
  public static final double ROUND_TRIP_TOLERANCE = 1e-10;
  public static final double LOG_DET_TOLERANCE = 1e-8;
  public static final int BATCH = 3;
  /**
   * How far a copy's output may be from the checked forward's for the Jacobian of the copies to stand for it: kernels
   * may sum in another order on a larger batch (about 1e-16 relative), dropout changes outputs by far more.
   */
  static final double COPY_TOLERANCE = 1e-12;

  /** A bijection under test: forward and inverse on batches of {@code inputShape}, flat or shaped outputs. */
  public interface Bijection {
    Transformed<TFloat64> forward(Ops tf, Operand<TFloat64> x);

    Transformed<TFloat64> inverse(Ops tf, Operand<TFloat64> y);

    List<Variable<TFloat64>> variables();

    /**
     * Whether {@link #forward} takes a batch of any size and treats every example alone, nothing else in it sized
     * by the batch (a condition or context tensor for {@link #BATCH} examples is). Then {@link #check} takes the
     * brute-force Jacobian from one backward pass over copies of the batch ({@link
     * BruteForceJacobian#rowsFromCopies}) instead of one pass per output, after checking that every copy's output
     * equals the checked forward's; where it does not (dropout drawn per example), from one pass per output.
     */
    default boolean takesAnyBatch() {
      return false;
    }
  }

  /** A single compiled step as a bijection. */
  public static Bijection of(org.flows4j.tf.layers.Layer<TFloat64> layer) {
    return new Bijection() {
      @Override
      public Transformed<TFloat64> forward(Ops tf, Operand<TFloat64> x) {
        return layer.forwardAndLogDet(tf, x, PassContext.training());
      }

      @Override
      public Transformed<TFloat64> inverse(Ops tf, Operand<TFloat64> y) {
        return layer.inverseAndLogDet(tf, y, PassContext.evaluation());
      }

      @Override
      public List<Variable<TFloat64>> variables() {
        return layer.variables();
      }

      @Override
      public boolean takesAnyBatch() {
        return true;
      }
    };
  }

  /** A whole compiled flow (flat latents) as a bijection. */
  public static Bijection of(CompiledFlow<TFloat64> flow) {
    return new Bijection() {
      @Override
      public Transformed<TFloat64> forward(Ops tf, Operand<TFloat64> x) {
        return flow.forwardAndLogDet(tf, x);
      }

      @Override
      public Transformed<TFloat64> inverse(Ops tf, Operand<TFloat64> y) {
        return flow.inverse(tf, y);
      }

      /** The flow's own variables: a variational dequantizer's belong to the model, not the bijection. */
      @Override
      public List<Variable<TFloat64>> variables() {
        return flow.trainableVariables();
      }

      @Override
      public boolean takesAnyBatch() {
        return true;
      }
    };
  }

  public record Report(double roundTripError, double logDetError, double cancellationError, int variables) {}

  private FlowChecks() {}

  public static Placeholder<TFloat64> input(GraphFixture g, Shape shape) {
    long[] dims = new long[shape.rank() + 1];
    dims[0] = BATCH;
    for (int i = 0; i < shape.rank(); i++) {
      dims[i + 1] = shape.dim(i);
    }
    return g.tf.placeholder(TFloat64.class, Placeholder.shape(org.tensorflow.ndarray.Shape.of(dims)));
  }

  public static TFloat64 randomBatch(Shape shape, long seed, double mean, double scale) {
    SplittableRandom random = new SplittableRandom(seed);
    double[] values = new double[BATCH * shape.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = mean + scale * (2 * random.nextDouble() - 1) * Math.sqrt(3);
    }
    long[] dims = new long[shape.rank() + 1];
    dims[0] = BATCH;
    for (int i = 0; i < shape.rank(); i++) {
      dims[i + 1] = shape.dim(i);
    }
    return HostTensors.of(TFloat64.class, values, dims);
  }

  /** Runs every check on {@code bijection} at a random batch {@code x0}; the bijection's variables are live. */
  public static Report check(GraphFixture g, Bijection bijection, Placeholder<TFloat64> x, Shape shape, TFloat64 x0) {
    Ops tf = g.tf;
    int d = shape.size();
    Transformed<TFloat64> forward = bijection.forward(tf, x);
    Operand<TFloat64> yFlat = tf.reshape(forward.value(), tf.constant(new int[] {BATCH, d}));
    Transformed<TFloat64> inverse = bijection.inverse(tf, forward.value());
    Operand<TFloat64> roundTrip = tf.reshape(inverse.value(), tf.constant(new int[] {BATCH, d}));
    BruteForceJacobian.Copies copies = bijection.takesAnyBatch()
        ? BruteForceJacobian.rowsFromCopies(tf, input -> bijection.forward(tf, input).value(), x, BATCH, d)
        : null;
    List<Operand<TFloat64>> rows = copies == null ? BruteForceJacobian.rows(tf, yFlat, x, BATCH, d) : List.of();

    // Loss whose gradient reaches every variable: a Gaussian NLL of y minus the log-det.
    Operand<TFloat64> loss = tf.math.sub(
        tf.math.mul(tf.constant(0.5), tf.reduceSum(tf.math.square(yFlat), tf.constant(new int[] {0, 1}))),
        tf.reduceSum(forward.logDet(), tf.constant(0)));
    List<Variable<TFloat64>> variables = bijection.variables();
    List<Operand<?>> gradients = new ArrayList<>();
    if (!variables.isEmpty()) {
      tf.gradients(loss, variables).forEach(gradients::add);
    }

    List<Operand<?>> fetches = new ArrayList<>();
    fetches.add(yFlat);
    fetches.add(forward.logDet());
    fetches.add(roundTrip);
    fetches.add(inverse.logDet());
    fetches.addAll(gradients);
    if (copies != null) {
      fetches.add(copies.outputs());
      fetches.add(copies.rows());
    } else {
      fetches.addAll(rows);
    }
    Map<Operand<?>, Tensor> feeds = Map.of(x, x0);
    List<double[]> values = g.fetch(fetches, feeds);
    double[] xFlat = HostTensors.toDoubles(x0);

    double[] y = values.get(0);
    double[] logDet = values.get(1);
    double[] back = values.get(2);
    double[] inverseLogDet = values.get(3);
    int firstRow = 4 + gradients.size();
    List<double[]> jacobianRows;
    if (copies == null) {
      jacobianRows = values.subList(firstRow, firstRow + d);
    } else if (BruteForceJacobian.copiesAgree(values.get(firstRow), y, COPY_TOLERANCE)) {
      jacobianRows = BruteForceJacobian.Copies.split(values.get(firstRow + 1), d);
    } else {
      System.out.println("brute-force Jacobian: the copies' outputs differ from the checked forward's (noise drawn "
          + "per example), so one backward pass per output");
      jacobianRows = g.fetch(BruteForceJacobian.rows(tf, yFlat, x, BATCH, d), feeds);
    }
    double[] bruteForce = BruteForceJacobian.logAbsDets(jacobianRows, BATCH, d);

    assertThat(FlowChecks.allFinite(y)).as("forward output").isTrue();
    assertThat(FlowChecks.allFinite(logDet)).as("forward log-det").isTrue();
    double roundTripError = maxAbsDiff(back, xFlat);
    double logDetError = maxAbsDiff(logDet, bruteForce);
    double[] sum = new double[BATCH];
    for (int b = 0; b < BATCH; b++) {
      sum[b] = logDet[b] + inverseLogDet[b];
    }
    double cancellation = maxAbsDiff(sum, new double[BATCH]);
    assertThat(roundTripError).as("round-trip error").isLessThanOrEqualTo(ROUND_TRIP_TOLERANCE);
    assertThat(logDetError).as("log-det vs brute-force Jacobian, log-det=%s, brute=%s",
        java.util.Arrays.toString(logDet), java.util.Arrays.toString(bruteForce))
        .isLessThanOrEqualTo(LOG_DET_TOLERANCE);
    assertThat(cancellation).as("forward + inverse log-det").isLessThanOrEqualTo(ROUND_TRIP_TOLERANCE);
    for (int i = 0; i < variables.size(); i++) {
      double[] gradient = values.get(4 + i);
      assertThat(FlowChecks.allFinite(gradient)).as("gradient of %s", variables.get(i).op().name()).isTrue();
      assertThat(maxAbs(gradient)).as("gradient of %s", variables.get(i).op().name()).isGreaterThan(0.0);
    }
    return new Report(roundTripError, logDetError, cancellation, variables.size());
  }

  public static double maxAbsDiff(double[] a, double[] b) {
    assertThat(a).hasSameSizeAs(b);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  public static boolean allFinite(double[] a) {
    for (double v : a) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }

  public static double maxAbs(double[] a) {
    double max = 0;
    for (double v : a) {
      max = Math.max(max, Math.abs(v));
    }
    return max;
  }
}
