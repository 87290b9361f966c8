/** SavedModel export of trained flows, and {@link org.flows4j.tf.export.FlowModel} to load one back in Java. */
@NullMarked
package org.flows4j.tf.export;

import org.jspecify.annotations.NullMarked;
