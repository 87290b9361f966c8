/**
 * Gradients that TensorFlow Java's C++ gradient registry lacks, registered once per JVM through a single native
 * adapter ({@link org.flows4j.tf.gradients.GradientRegistry}), per-instance custom gradients in the style of
 * Python's {@code tf.custom_gradient} ({@link org.flows4j.tf.gradients.CustomGradient}) and a wrapper around
 * {@code tf.gradients} that turns missing gradients into zeros ({@link org.flows4j.tf.gradients.SafeGradients}).
 *
 * <p>Internal to the compiler: the classes that are public are so only because {@code org.flows4j.tf} builds them
 * from another package. They are not part of the API and may change without notice; the API is the DSL, the
 * trainer, the export and the data sources (README, "Where the classes live").
 */
@NullMarked
package org.flows4j.tf.gradients;

import org.jspecify.annotations.NullMarked;
