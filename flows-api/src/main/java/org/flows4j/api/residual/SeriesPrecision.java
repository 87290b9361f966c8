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
   * <p>This departs from the paper (whose estimator is unbiased): the Jacobian's factors, each term's input vector
   * and every intermediate of a product are rounded to bfloat16, each rounding a relative error up to
   * {@code 2⁻⁹}; the maps' own sums run in float32 inside oneDNN. One product {@code uᵀJ} is then within about
   * 1 % of exact, and term k, k products deep, is {@code vᵀJ̃^k v} for a slightly perturbed Jacobian. So the
   * estimate has a bias that does not shrink with more samples: measured on a 4×4 conv block, 0.29 % of the
   * log-det (1.8e-4 nats), far below the estimator's own spread for one probe, but not zero; the Neumann gradient
   * moved by 3e-5 relative. It applies to the series of both estimators, {@code logDet} and
   * {@code evaluationLogDet}, so reported likelihoods carry the same bias. Needs the Neumann gradient ({@code neumannGradient()}): backpropagating through
   * bfloat16 products is not offered. Refused in float64 models, which ask for more precision, not less.
   */
  BFLOAT16
}
