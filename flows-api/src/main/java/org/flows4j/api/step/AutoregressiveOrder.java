package org.flows4j.api.step;

import com.google.common.base.Preconditions;
import java.util.SplittableRandom;

/**
 * The order in which an autoregressive step visits the features (MADE's orderings, Germain et al. 2015): feature
 * {@code order[k]} is conditioned on features {@code order[0..k-1]}.
 *
 * <ul>
 *   <li>{@link Kind#NATURAL}: 0, 1, …, d-1;
 *   <li>{@link Kind#REVERSED}: d-1, …, 1, 0 (alternate it with {@code NATURAL} when stacking steps);
 *   <li>{@link Kind#RANDOM}: a fixed permutation drawn from {@code seed} (part of the spec, not of the compile seed).
 * </ul>
 *
 * @param seed the permutation's seed for {@code RANDOM}; 0 for the others
 */
public record AutoregressiveOrder(Kind kind, long seed) {
  public enum Kind {
    NATURAL,
    REVERSED,
    RANDOM
  }

  public AutoregressiveOrder {
    Preconditions.checkNotNull(kind, "kind");
    Preconditions.checkArgument(kind == Kind.RANDOM || seed == 0,
        "seed is only used by RANDOM, so it must be 0 for %s, but was %s", kind, seed);
  }

  public static AutoregressiveOrder natural() {
    return new AutoregressiveOrder(Kind.NATURAL, 0);
  }

  public static AutoregressiveOrder reversed() {
    return new AutoregressiveOrder(Kind.REVERSED, 0);
  }

  /** A fixed random permutation drawn from {@code seed}. */
  public static AutoregressiveOrder random(long seed) {
    return new AutoregressiveOrder(Kind.RANDOM, seed);
  }

  /** The features in visiting order, for a vector of {@code features} values. */
  public int[] visitingOrder(int features) {
    Preconditions.checkArgument(features >= 1, "features must be at least 1, but was %s", features);
    int[] order = new int[features];
    for (int i = 0; i < features; i++) {
      order[i] = kind == Kind.REVERSED ? features - 1 - i : i;
    }
    if (kind == Kind.RANDOM) {
      // Fisher–Yates.
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = features - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }
}
