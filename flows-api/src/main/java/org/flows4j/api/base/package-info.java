/** Spec records for bases: immutable values, validated when built. */
@NullMarked
package org.flows4j.api.base;

import org.jspecify.annotations.NullMarked;
