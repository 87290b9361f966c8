/**
 * Spec values of elementwise bijections: monotone maps applied to every transformed scalar with parameters that a
 * coupling's or an autoregressive step's conditioner produces. Immutable records, validated when built.
 */
@NullMarked
package org.flows4j.api.transform;

import org.jspecify.annotations.NullMarked;
