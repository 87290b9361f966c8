/** The {@code flows} command line: train, and (later) evaluate, sample, export and inspect flows. */
@NullMarked
package org.flows4j.examples.cli;

import org.jspecify.annotations.NullMarked;
