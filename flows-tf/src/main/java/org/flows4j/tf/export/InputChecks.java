package org.flows4j.tf.export;

import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.data.NoDequantization;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * The checks an exported model makes on its inputs, as graph ops ({@code Assert}), so that every caller gets them:
 * Java through {@link FlowModel}, and Python or TensorFlow Serving, which run the signatures directly. Without them a
 * pixel of 300, a NaN or a temperature of -1 came back as a finite, meaningless log-probability or sample.
 *
 * <p>Each message starts with {@value #PREFIX}, which {@link FlowModel} looks for to turn TensorFlow's
 * {@code InvalidArgument} error back into an {@link IllegalArgumentException} with just the message.
 */
final class InputChecks {
  /** Marks the assertion messages of flows4j's own checks inside TensorFlow's error text. */
  static final String PREFIX = "flows4j input check: ";
  /** The largest 8-bit pixel value: data of dequantized models are pixel values in [0, 255]. */
  static final float MAX_PIXEL = 255f;

  private InputChecks() {}

  /** The message for data outside what the model takes, shared by the graph and the Java-side check. */
  static String pixelRange() {
    return "x must hold 8-bit pixel values in [0, " + (int) MAX_PIXEL + "] for this model (it dequantizes them)";
  }

  static final String FINITE = "x must be finite, but holds NaN or Inf";
  static final String NOT_EMPTY = "x must hold at least one example, but the batch is empty";
  static final String TEMPERATURE = "temperature must be positive and finite";
  static final String COUNT = "n must be at least 1";
  static final String FIRST_ROW = "first_row must be at least 0";
  static final String SAMPLES = "samples must be at least 1";
  static final String LATENT_FINITE = "z must be finite, but holds NaN or Inf";

  /** {@code x} once it is known to be finite, non-empty and, for dequantized models, pixel values in range. */
  static Operand<TFloat32> data(Ops tf, Operand<TFloat32> x, FlowSpec spec) {
    Operand<TInt32> everyAxis = tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
    Op finite = check(tf, tf.reduceAll(tf.math.isFinite(x), everyAxis), FINITE);
    Op notEmpty = check(tf, tf.math.greater(tf.size(x), tf.constant(0)), NOT_EMPTY);
    if (spec.dequantization() instanceof NoDequantization) {
      return tf.withControlDependencies(List.of(finite, notEmpty)).identity(x);
    }
    // Non-finite values are the finiteness check's to report, whichever assert TensorFlow runs first.
    Operand<TBool> inRange = tf.math.logicalOr(tf.math.logicalNot(tf.math.isFinite(x)),
        tf.math.logicalAnd(tf.math.greaterEqual(x, tf.constant(0f)), tf.math.lessEqual(x, tf.constant(MAX_PIXEL))));
    Op pixels = check(tf, tf.reduceAll(inRange, everyAxis), pixelRange());
    return tf.withControlDependencies(List.of(finite, notEmpty, pixels)).identity(x);
  }

  static final String CONTEXT_FINITE = "c must be finite, but holds NaN or Inf";
  static final String CONTEXT_ROWS = "c must hold one context per example (as many rows as x, z or n)";

  /** The message for class indices out of range, shared by the graph and the Java-side check. */
  static String classRange(int classes) {
    return "c must hold class indices, whole numbers from 0 to " + (classes - 1);
  }

  /**
   * Contexts {@code c} ({@code [rows, width]}) once known to be finite, {@code rows} of them, and for a class
   * context whole numbers in {@code [0, K)} (an embedding lookup would otherwise fail deep inside TensorFlow or read
   * another class's row).
   */
  static Operand<TFloat32> context(Ops tf, Operand<TFloat32> c, Operand<TInt32> rows, FlowSpec spec) {
    Operand<TInt32> everyAxis = tf.range(tf.constant(0), tf.rank(c), tf.constant(1));
    List<Op> checks = new java.util.ArrayList<>();
    checks.add(check(tf, tf.reduceAll(tf.math.isFinite(c), everyAxis), CONTEXT_FINITE));
    checks.add(check(tf, tf.math.equal(rows(tf, c), rows), CONTEXT_ROWS));
    if (spec.context() instanceof org.flows4j.api.context.ClassContext classContext) {
      Operand<TBool> valid = tf.math.logicalOr(tf.math.logicalNot(tf.math.isFinite(c)),
          tf.math.logicalAnd(tf.math.equal(c, tf.math.floor(c)), tf.math.logicalAnd(
              tf.math.greaterEqual(c, tf.constant(0f)), tf.math.less(c, tf.constant((float) classContext.classes())))));
      checks.add(check(tf, tf.reduceAll(valid, everyAxis), classRange(classContext.classes())));
    }
    return tf.withControlDependencies(checks).identity(c);
  }

  /** The number of rows of a batch {@code x}, as a scalar. */
  static Operand<TInt32> rows(Ops tf, Operand<TFloat32> x) {
    return tf.reshape(tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1})),
        tf.constant(new int[0]));
  }

  /** Latents {@code z} once known to be finite. */
  static Operand<TFloat32> latents(Ops tf, Operand<TFloat32> z) {
    Operand<TInt32> everyAxis = tf.range(tf.constant(0), tf.rank(z), tf.constant(1));
    Op finite = check(tf, tf.reduceAll(tf.math.isFinite(z), everyAxis), LATENT_FINITE);
    return tf.withControlDependencies(List.of(finite)).identity(z);
  }

  /** A temperature once known to be positive and finite. */
  static Operand<TFloat32> temperature(Ops tf, Operand<TFloat32> temperature) {
    Operand<TBool> valid = tf.math.logicalAnd(tf.math.greater(temperature, tf.constant(0f)),
        tf.math.isFinite(temperature));
    return tf.withControlDependencies(List.of(check(tf, valid, TEMPERATURE))).identity(temperature);
  }

  /** A count once known to be at least 1. */
  static Operand<TInt32> atLeastOne(Ops tf, Operand<TInt32> count, String message) {
    return tf.withControlDependencies(List.of(check(tf, tf.math.greaterEqual(count, tf.constant(1)), message)))
        .identity(count);
  }

  /** {@code firstRow} once it is checked to be at least 0. */
  static Operand<TInt64> notNegative(Ops tf, Operand<TInt64> firstRow, String message) {
    return tf.withControlDependencies(List.of(check(tf, tf.math.greaterEqual(firstRow, tf.constant(0L)), message)))
        .identity(firstRow);
  }

  private static Op check(Ops tf, Operand<TBool> condition, String message) {
    return tf.assertThat(condition, List.of(tf.constant(PREFIX + message)));
  }
}
