package org.flows4j.tf;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.op.Ops;
import org.tensorflow.op.random.StatelessRandomGetKeyCounter;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;
import org.tensorflow.types.family.TType;

/**
 * The one place a user's {@code long} seed becomes the {@code [2]} int64 seed of TensorFlow's stateless random ops:
 * {@code [s, s XOR 0x5DEECE66D]}. The trainer's sampling, the exported {@code sample} signature and host-fed seeds
 * all go through it, so the same seed draws the same samples everywhere.
 *
 * <p>Random draws that must not depend on how a job is cut into calls (sampling {@code n} rows in chunks, importance
 * draws in chunks) come from {@link #normalRows} and {@link #uniformRows}: a seed defines one endless stream of rows,
 * and a call draws rows {@code [firstRow, firstRow + n)} of it, so chunks of any size give exactly the values of one
 * call.
 */
public final class Seeds {
  /** Mixed into the second word so that seeds s and s' never share both words. */
  static final long SECOND_WORD_MASK = 0x5DEECE66DL;

  private Seeds() {}

  /** The stateless seed for {@code seed}, as a host tensor to feed. */
  public static TInt64 hostSeed(long seed) {
    return TInt64.vectorOf(seed, seed ^ SECOND_WORD_MASK);
  }

  /** The stateless seed for {@code seed}, as a graph constant. */
  public static Operand<TInt64> statelessSeed(Ops tf, long seed) {
    return tf.constant(new long[] {seed, seed ^ SECOND_WORD_MASK});
  }

  /** The stateless seed for a scalar int64 {@code seed} fed at run time (a signature's or placeholder's input). */
  public static Operand<TInt64> statelessSeed(Ops tf, Operand<TInt64> seed) {
    return tf.stack(List.of(seed, tf.bitwise.bitwiseXor(seed, tf.constant(SECOND_WORD_MASK))));
  }

  /** Philox's algorithm id in the {@code Stateless*V2} ops ({@code RNG_ALG_PHILOX}). */
  private static final int PHILOX = 1;

  /**
   * Rows {@code [firstRow, firstRow + n)}, shape {@code [n, width]}, of the endless stream of standard normal rows of
   * {@code width} values that the {@code [2]} int64 {@code seed} defines.
   *
   * <p>How: TensorFlow's stateless ops run Philox from a key and a 128-bit counter derived from the seed
   * ({@code StatelessRandomGetKeyCounter}, what {@code StatelessRandomNormal} does inside), and the k-th counter
   * step gives the k-th group of values: 4 float32 or 2 float64 values, for the normal and the uniform alike (one
   * Box–Muller pair or two uniforms per two 32-bit words, or per 64 bits for float64). Value {@code e} of the flat
   * stream is therefore element {@code e mod g} of counter step {@code e / g}. The draw starts the counter
   * {@code firstRow·width / g} steps on ({@code StatelessRandomNormalV2} with the shifted counter), draws the few
   * values before the row's start in that group as well, and drops them. The counter's low word starts at 0 for
   * every seed, so the shift never carries. A test checks chunked draws against one draw, value for value.
   *
   * @param firstRow int64 scalar, at least 0
   */
  public static <T extends TFloating> Operand<T> normalRows(Ops tf, Operand<TInt32> n, int width,
      Operand<TInt64> seed, Operand<TInt64> firstRow, Class<T> type) {
    return rows(tf, n, width, seed, firstRow, type, true);
  }

  /** Rows of the stream of uniform values in [0, 1) that {@code seed} defines; see {@link #normalRows}. */
  public static <T extends TFloating> Operand<T> uniformRows(Ops tf, Operand<TInt32> n, int width,
      Operand<TInt64> seed, Operand<TInt64> firstRow, Class<T> type) {
    return rows(tf, n, width, seed, firstRow, type, false);
  }

  private static <T extends TFloating> Operand<T> rows(Ops tf, Operand<TInt32> n, int width, Operand<TInt64> seed,
      Operand<TInt64> firstRow, Class<T> type, boolean normal) {
    long perStep = type == TFloat64.class ? 2 : 4;
    Operand<TInt64> start = tf.math.mul(firstRow, tf.constant((long) width));
    Operand<TInt64> steps = tf.math.floorDiv(start, tf.constant(perStep));
    Operand<TInt64> lead = tf.math.sub(start, tf.math.mul(steps, tf.constant(perStep)));
    Operand<TInt64> rows = tf.dtypes.cast(n, TInt64.class);
    Operand<TInt64> count = tf.math.mul(rows, tf.constant((long) width));
    Operand<TInt64> shape = tf.reshape(tf.math.add(count, lead), tf.constant(new long[] {1}));
    StatelessRandomGetKeyCounter keyCounter = tf.random.statelessRandomGetKeyCounter(seed);
    Operand<TInt64> counter = tf.math.add(tf.bitcast(keyCounter.counter(), TInt64.class),
        tf.stack(List.of(steps, tf.constant(0L))));
    Operand<? extends TType> shifted = asUint64(tf, counter);
    Operand<TInt32> philox = tf.constant(PHILOX);
    Operand<T> flat = normal
        ? tf.random.statelessRandomNormalV2(shape, keyCounter.key(), shifted, philox, type)
        : tf.random.statelessRandomUniformV2(shape, keyCounter.key(), shifted, philox, type);
    Operand<T> mine = tf.slice(flat, tf.reshape(lead, tf.constant(new long[] {1})),
        tf.reshape(count, tf.constant(new long[] {1})));
    return tf.reshape(mine, tf.stack(List.of(rows, tf.constant((long) width))));
  }

  /** The counter back in the ops' uint64 type, which TensorFlow Java has no class for (so a raw Bitcast). */
  private static Operand<? extends TType> asUint64(Ops tf, Operand<TInt64> x) {
    OperationBuilder builder = tf.scope().opBuilder("Bitcast", "CounterAsUint64");
    builder.addInput(x.asOutput());
    builder.setAttr("type", DataType.DT_UINT64);
    return builder.build().output(0);
  }
}
