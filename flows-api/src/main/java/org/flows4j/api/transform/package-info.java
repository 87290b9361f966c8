/**
 * The elementwise transforms of a coupling ({@code coupling(mask, conditioner, transform)}): spec records saying
 * how one scalar is mapped, given the parameters the conditioner computes for it. A new transform is one record
 * here (added to {@link org.flows4j.api.transform.CouplingTransform}'s permits and JSON names) and its compiled
 * class in flows-tf. Immutable records, validated when built.
 */
@NullMarked
package org.flows4j.api.transform;

import org.jspecify.annotations.NullMarked;
