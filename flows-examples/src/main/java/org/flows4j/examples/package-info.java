/** Runnable examples of flows4j. */
@NullMarked
package org.flows4j.examples;

import org.jspecify.annotations.NullMarked;
