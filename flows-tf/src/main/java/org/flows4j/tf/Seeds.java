package org.flows4j.tf;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TInt64;

/**
 * The one place a user's {@code long} seed becomes the {@code [2]} int64 seed of TensorFlow's stateless random ops:
 * {@code [s, s XOR 0x5DEECE66D]}. The trainer's sampling, the exported {@code sample} signature and host-fed seeds
 * all go through it, so the same seed draws the same samples everywhere.
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
}
