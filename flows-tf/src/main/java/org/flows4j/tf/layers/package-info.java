/**
 * The runtime twins of the step specs: each lowers one step to TensorFlow ops. Implementations are
 * package-private; {@link org.flows4j.tf.layers.Layers} builds them.
 */
@NullMarked
package org.flows4j.tf.layers;

import org.jspecify.annotations.NullMarked;
