/**
 * Data for training: the 2-D toy densities generated in code, Fashion-MNIST read from its IDX files (Debian's
 * {@code dataset-fashion-mnist}), and data sources whose batches are a pure function of their index, so resumed runs
 * see the same data.
 */
@NullMarked
package org.flows4j.tf.data;

import org.jspecify.annotations.NullMarked;
