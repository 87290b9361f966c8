/**
 * The runtime twins of the step specs: each lowers one step to TensorFlow ops. Implementations are
 * package-private; {@link org.flows4j.tf.layers.Layers} builds them.
 *
 * <p>Internal to the compiler: the classes that are public are so only because {@code org.flows4j.tf} builds them
 * from another package. They are not part of the API and may change without notice; the API is the DSL, the
 * trainer, the export and the data sources (README, "Where the classes live").
 */
@NullMarked
package org.flows4j.tf.layers;

import org.jspecify.annotations.NullMarked;
