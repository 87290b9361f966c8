/** Spec records for steps: immutable values, validated when built. */
@NullMarked
package org.flows4j.api.step;

import org.jspecify.annotations.NullMarked;
