/**
 * How {@code flows train} shows its progress: a progress bar redrawn in place on a terminal, plain periodic lines
 * when the output goes to a file or a pipe, or nothing but warnings with {@code --quiet}.
 */
@NullMarked
package org.flows4j.examples.progress;

import org.jspecify.annotations.NullMarked;
