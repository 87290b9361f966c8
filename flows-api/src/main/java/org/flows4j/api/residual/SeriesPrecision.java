package org.flows4j.api.residual;

/**
 * The arithmetic of the log-det series' vector–Jacobian products {@code vᵀJ^k} in a residual block (the terms of
 * the Russian-roulette or truncated estimate and, with the Neumann gradient, of the Neumann vector).
 */
public enum SeriesPrecision {
  /** Every product in the model's own dtype (float32 or float64): the paper's estimator, unbiased. */
  FULL,
  /**
   * A float32 model's products in bfloat16 (8 significant bits), which CPUs with AMX or AVX512-BF16 multiply
   * several times faster than float32. Only the products {@code u ↦ uᵀJ} change; the probe, the series' running
   * sums, the log-det estimate and the surrogate's {@code J v} stay float32.
   *
   * <p>This departs from the paper: term k is {@code vᵀJ̃^k v} for a perturbed Jacobian, each product carrying a
   * relative rounding error of order {@code 2⁻⁸ ≈ 0.4 %} (inputs, factors and output of each map rounded to
   * bfloat16; the map's own sums are float32 inside oneDNN). The error compounds over the k products of term k,
   * so the estimate is no longer unbiased: its bias is of order {@code Σ_k k·2⁻⁸·|vᵀJ^k v|/k}, a few tenths of a
   * percent of the series' absolute terms — small against the estimator's own standard deviation for the usual
   * probes, but not zero, and it does not shrink with more samples. Needs the Neumann gradient
   * ({@code neumannGradient()}): backpropagating through bfloat16 products is not offered. Refused in float64
   * models, which ask for more precision, not less.
   */
  BFLOAT16
}
