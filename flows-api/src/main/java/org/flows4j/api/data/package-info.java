/**
 * How data reach the flow: dequantization of discrete pixels and the logit transform, both counted exactly in the
 * log-likelihood.
 */
@NullMarked
package org.flows4j.api.data;

import org.jspecify.annotations.NullMarked;
