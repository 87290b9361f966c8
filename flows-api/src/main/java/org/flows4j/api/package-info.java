/** The flow DSL: {@link org.flows4j.api.Flows} is the entry point; specs are immutable values. */
@NullMarked
package org.flows4j.api;

import org.jspecify.annotations.NullMarked;
