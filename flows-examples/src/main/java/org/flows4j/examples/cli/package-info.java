/**
 * The {@code flows} command line: {@code train}, {@code eval}, {@code sample}, {@code export}, {@code inspect} and
 * {@code benchmark}. Exit codes are in {@link org.flows4j.examples.cli.ExitCodes}; errors the user can act on print
 * their message only.
 */
@NullMarked
package org.flows4j.examples.cli;

import org.jspecify.annotations.NullMarked;
