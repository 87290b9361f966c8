/**
 * Training data for flows: the 2-D toy densities of the FFJORD / Residual Flows papers,
 * generated in pure Java and deterministic for a seed.
 */
@NullMarked
package org.flows4j.tf.data;

import org.jspecify.annotations.NullMarked;
