package org.flows4j.tf.data;

import java.util.SplittableRandom;

/**
 * A 2-D toy density with a context: pairs {@code (x, c)} with {@code c} drawn from a stated prior and
 * {@code x ~ p(x | c)}, and the exact {@code log p(x | c)}, so held-out NLLs of conditional flows can be compared
 * with the best possible value.
 *
 * <p>Sampling is deterministic for a given {@code n} and seed: all randomness comes from the
 * {@link SplittableRandom} passed in ({@code new SplittableRandom(seed)}), normal variates by Box–Muller from its
 * uniform doubles.
 */
public sealed interface ConditionalToyDensity permits LabelledEightGaussians, RadiusIndexedRing {
  /** Number of classes when the context is a label, 0 when it is a continuous vector. */
  int classes();

  /** Values per context: 1 for both densities here (a class index, or a radius). */
  int contextFeatures();

  /** {@code n} pairs, the contexts drawn from the prior. */
  ConditionalBatch sample(int n, SplittableRandom random);

  /** {@code n} points drawn from {@code p(x | c)} for the one context {@code c}. */
  ConditionalBatch sampleGiven(double[] context, int n, SplittableRandom random);

  /** The exact {@code log p(x | c)} in nats for {@code x = (x0, x1)}. */
  double logDensity(double x0, double x1, double[] context);

  /** {@code log p(x_i | c_i)} for every row of a batch. */
  default double[] logDensities(ConditionalBatch batch) {
    double[] out = new double[batch.size()];
    int k = batch.contextFeatures();
    for (int i = 0; i < batch.size(); i++) {
      double[] c = new double[k];
      for (int j = 0; j < k; j++) {
        c[j] = batch.context()[i * k + j];
      }
      out[i] = logDensity(batch.x()[2 * i], batch.x()[2 * i + 1], c);
    }
    return out;
  }
}
