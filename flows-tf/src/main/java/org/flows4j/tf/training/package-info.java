/** Maximum-likelihood training in the TF graph: optimizers and the trainer that owns a graph and session. */
@NullMarked
package org.flows4j.tf.training;

import org.jspecify.annotations.NullMarked;
