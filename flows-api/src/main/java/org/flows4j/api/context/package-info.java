/**
 * What a conditional flow {@code p(x | c)} is conditioned on: nothing, a feature vector, or a class label with a
 * learned embedding, optionally through a context encoder shared by every step.
 */
@NullMarked
package org.flows4j.api.context;

import org.jspecify.annotations.NullMarked;
