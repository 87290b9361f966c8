/**
 * Residual flows in graph mode: the Lipschitz-constrained branch with explicit forward, vector–Jacobian and
 * Jacobian–vector products, spectral normalisation by power iteration, the log-determinant estimators (exact,
 * truncated series, Russian roulette) with the Neumann-series gradient, and the fixed-point inverse.
 *
 * <p>Internal to the compiler: the classes that are public are so only because {@code org.flows4j.tf} builds them
 * from another package. They are not part of the API and may change without notice; the API is the DSL, the
 * trainer, the export and the data sources (README, "Where the classes live").
 */
@NullMarked
package org.flows4j.tf.residual;

import org.jspecify.annotations.NullMarked;
