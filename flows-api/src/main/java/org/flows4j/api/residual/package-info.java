/**
 * Residual flows (Behrmann et al. 2019, Chen et al. 2019): the branch network of an invertible residual block, its
 * Lipschitz constraint, the log-determinant estimators and the fixed-point inverse.
 */
@NullMarked
package org.flows4j.api.residual;

import org.jspecify.annotations.NullMarked;
