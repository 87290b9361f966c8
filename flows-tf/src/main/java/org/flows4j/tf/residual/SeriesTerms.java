package org.flows4j.tf.residual;

import org.flows4j.api.residual.RussianRoulette;
import org.flows4j.api.residual.TermDistribution;
import org.flows4j.api.residual.TruncatedSeries;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * How many terms each example's series gets, and the weight of term k: for the Russian roulette
 * {@code n = exactTerms + N} with {@code N} drawn per example, and term k weighted {@code 1/P(N ≥ k - exactTerms)}
 * (1 for the exact terms); for the truncated series {@code n} is fixed and every weight is 1.
 */
final class SeriesTerms {
  /** Keeps log(U) finite in the geometric draw: caps N near 40·log 2/|log(1 - p)|, a probability of 1e-12. */
  private static final double SMALLEST_UNIFORM = 1e-12;

  private final int exactTerms;
  private final @Nullable TermDistribution distribution; // null for the truncated series
  private final double parameter;
  private final int fixedTerms;

  private SeriesTerms(
      int exactTerms, @Nullable TermDistribution distribution, double parameter, int fixedTerms) {
    this.exactTerms = exactTerms;
    this.distribution = distribution;
    this.parameter = parameter;
    this.fixedTerms = fixedTerms;
  }

  static SeriesTerms of(RussianRoulette roulette) {
    return new SeriesTerms(roulette.exactTerms(), roulette.distribution(), roulette.parameter(), 0);
  }

  static SeriesTerms of(TruncatedSeries series) {
    return new SeriesTerms(series.terms(), null, 0, series.terms());
  }

  boolean random() {
    return distribution != null;
  }

  /**
   * Terms per example, {@code [batch]} int32. One N is drawn per batch, as the reference implementation does: the
   * estimate stays unbiased, and the loop runs {@code exactTerms + N} times instead of the batch's maximum.
   */
  Operand<TInt32> count(Ops tf, Operand<TInt32> batch, Operand<TInt64> seed) {
    Operand<TInt32> shape = tf.reshape(batch, tf.constant(new int[] {1}));
    if (distribution == null) {
      return tf.fill(shape, tf.constant(fixedTerms));
    }
    Operand<TInt32> one = tf.constant(new int[] {1});
    Operand<TFloat64> draws;
    if (distribution == TermDistribution.GEOMETRIC) {
      // N = 1 + floor(log U / log(1 - p)) is Geometric(p) on {1, 2, ...}.
      Operand<TFloat64> u = tf.math.maximum(
          tf.random.statelessRandomUniform(one, seed, TFloat64.class), tf.constant(SMALLEST_UNIFORM));
      draws = tf.math.add(tf.constant(1.0),
          tf.math.floor(tf.math.div(tf.math.log(u), tf.constant(Math.log1p(-parameter)))));
    } else {
      draws = tf.random.statelessRandomPoisson(one, seed, tf.constant(parameter), TFloat64.class);
    }
    Operand<TInt32> n = tf.math.add(tf.dtypes.cast(draws, TInt32.class), tf.constant(exactTerms));
    return tf.fill(shape, tf.reshape(n, tf.constant(new int[0])));
  }

  /**
   * {@code mask_i / P(N ≥ k - exactTerms)} for term {@code k} (a scalar int32), per example; {@code mask_i} is
   * whether example i's series reaches term k.
   */
  <T extends TFloating> Operand<T> weight(Ops tf, Operand<TInt32> k, Operand<TInt32> count, Class<T> type) {
    Operand<T> mask = tf.dtypes.cast(tf.math.lessEqual(k, count), type);
    if (distribution == null) {
      return mask;
    }
    Operand<TFloat64> j = tf.dtypes.cast(tf.math.sub(k, tf.constant(exactTerms)), TFloat64.class);
    Operand<TFloat64> tail;
    if (distribution == TermDistribution.GEOMETRIC) {
      // P(N ≥ j) = (1 - p)^(j - 1)
      tail = tf.math.exp(tf.math.mul(tf.math.sub(j, tf.constant(1.0)), tf.constant(Math.log1p(-parameter))));
    } else {
      // P(N ≥ j) = P(Gamma(j, 1) ≤ λ), the regularised lower incomplete gamma function.
      tail = tf.math.igamma(tf.math.maximum(j, tf.constant(1.0)), tf.constant(parameter));
    }
    Operand<TFloat64> inverse = tf.select(tf.math.lessEqual(j, tf.constant(0.0)), tf.constant(1.0),
        tf.math.div(tf.constant(1.0), tail));
    return tf.math.mul(mask, tf.dtypes.cast(inverse, type));
  }

  static <T extends TFloating> Operand<T> scalar(Ops tf, double value, Class<T> type) {
    return Tensors.scalar(tf, value, type);
  }
}
