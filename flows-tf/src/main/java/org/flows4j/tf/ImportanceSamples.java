package org.flows4j.tf;

import com.google.common.base.Preconditions;
import org.jspecify.annotations.Nullable;

/**
 * How the importance-weighted bound {@code log (1/K) Σ_k exp(ELBO_k)} is computed: {@code count} = K
 * dequantization draws per example (1: the plain bound), with at most {@code maxRowsPerCall} rows (examples ×
 * draws) in one call into the graph, so that memory stays that of one such call however large K is. When K draws
 * of the examples do not fit in one call they are taken in chunks (of examples, or of one example's draws) and
 * combined exactly: the per-example figure is the log-mean-exp over all K draws (not a mean of the chunks' bounds,
 * which would be a looser bound). Each chunk takes the draws a single call takes (draw k of example e is row
 * {@code e·K + k} of the evaluation's noise stream), so the figure does not depend on the chunks, up to float
 * round-off.
 *
 * <pre>{@code
 * trainer.evaluate(x, n, ImportanceSamples.of(100_000));
 * model.logProbImportanceWeighted(x, n, ImportanceSamples.of(16).maxRowsPerCall(256));
 * }</pre>
 *
 * <p>A value class with a private constructor rather than a record: a record's public {@code (count,
 * maxRowsPerCall)} constructor would put two adjacent ints of different meaning into the public API.
 */
public final class ImportanceSamples {
  public static final int DEFAULT_MAX_ROWS_PER_CALL = 512;

  private final int count;
  private final int maxRowsPerCall;

  private ImportanceSamples(int count, int maxRowsPerCall) {
    Preconditions.checkArgument(count >= 1, "importance samples must be at least 1, but was %s", count);
    Preconditions.checkArgument(maxRowsPerCall >= 1, "maxRowsPerCall must be at least 1, but was %s",
        maxRowsPerCall);
    this.count = count;
    this.maxRowsPerCall = maxRowsPerCall;
  }

  /** K draws per example, at most {@value #DEFAULT_MAX_ROWS_PER_CALL} rows per call. */
  public static ImportanceSamples of(int count) {
    return new ImportanceSamples(count, DEFAULT_MAX_ROWS_PER_CALL);
  }

  /** The same K with another bound on the rows of one call (at least 1). */
  public ImportanceSamples maxRowsPerCall(int rows) {
    return new ImportanceSamples(count, rows);
  }

  /** K, the draws per example (at least 1; 1 is the plain bound). */
  public int count() {
    return count;
  }

  /**
   * The most rows (examples × draws) in one call into the graph; for {@code Trainer.evaluate} the smaller of this
   * and the options' {@code evaluationBatch}.
   */
  public int maxRowsPerCall() {
    return maxRowsPerCall;
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof ImportanceSamples that && count == that.count && maxRowsPerCall == that.maxRowsPerCall;
  }

  @Override
  public int hashCode() {
    return 31 * count + maxRowsPerCall;
  }

  @Override
  public String toString() {
    return "ImportanceSamples[count=" + count + ", maxRowsPerCall=" + maxRowsPerCall + "]";
  }

  /**
   * Adds the log-mean-exp of one chunk of draws into running per-example sums, exactly: {@code total[i]} holds
   * {@code log Σ_k exp(ELBO_ik)} over the draws so far (start from {@code -∞}), and a chunk of {@code draws}
   * draws whose log-mean-exp is {@code chunkLogMean[i]} adds {@code log(draws) + chunkLogMean[i]} in log space.
   * {@link #logMean} turns the sums into the bound.
   */
  public static void accumulate(double[] total, float[] chunkLogMean, int draws) {
    Preconditions.checkArgument(total.length == chunkLogMean.length,
        "expected %s per-example values, but got %s", total.length, chunkLogMean.length);
    double logDraws = Math.log(draws);
    for (int i = 0; i < total.length; i++) {
      total[i] = logAddExp(total[i], chunkLogMean[i] + logDraws);
    }
  }

  /** {@code log (1/K) Σ_k exp(ELBO_ik)} from the sums {@link #accumulate} built over K draws. */
  public static double[] logMean(double[] total, int count) {
    double[] out = new double[total.length];
    double logCount = Math.log(count);
    for (int i = 0; i < total.length; i++) {
      out[i] = total[i] - logCount;
    }
    return out;
  }

  /**
   * The noise seed {@code FlowModel} feeds the exported {@code log_prob_importance_weighted_seeded} signature for
   * chunk of draws {@code j} (0, 1, 2, …) of a model exported before the {@code _rows} signature: a fixed sequence,
   * so the same call always gives the same figure (statistically, not exactly, the single call's).
   */
  public static long chunkSeed(int j) {
    return 0x1A7E5EEDL + j * 0x9E3779B97F4A7C15L;
  }

  private static double logAddExp(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    double max = Math.max(a, b);
    return max + Math.log1p(Math.exp(-Math.abs(a - b)));
  }
}
