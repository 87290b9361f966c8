/** Spec records for conditioners: immutable values, validated when built. */
@NullMarked
package org.flows4j.api.conditioner;

import org.jspecify.annotations.NullMarked;
