/**
 * Residual flows in graph mode: the Lipschitz-constrained branch with explicit forward, vector–Jacobian and
 * Jacobian–vector products, spectral normalisation by power iteration, the log-determinant estimators (exact,
 * truncated series, Russian roulette) with the Neumann-series gradient, and the fixed-point inverse.
 */
@NullMarked
package org.flows4j.tf.residual;

import org.jspecify.annotations.NullMarked;
