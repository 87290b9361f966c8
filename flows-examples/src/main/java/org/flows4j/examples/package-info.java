/**
 * Runnable examples of flows4j: {@link org.flows4j.examples.TwoMoonsExample} (Java) and {@code KotlinExample}
 * (Kotlin, in {@code src/main/kotlin}) declare, train and export a flow; the {@code cli} package is the
 * {@code flows} command line.
 */
@NullMarked
package org.flows4j.examples;

import org.jspecify.annotations.NullMarked;
