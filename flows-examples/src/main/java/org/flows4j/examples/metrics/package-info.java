/**
 * The metrics a training run records in {@code metrics.csv}: one row per optimizer step and one per held-out
 * evaluation, written as training goes and read back for the curves and for resumed runs.
 */
@NullMarked
package org.flows4j.examples.metrics;

import org.jspecify.annotations.NullMarked;
