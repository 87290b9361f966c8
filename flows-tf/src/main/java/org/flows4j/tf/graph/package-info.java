/** Graph-building helpers shared by the layers: the functional while loop. */
@NullMarked
package org.flows4j.tf.graph;

import org.jspecify.annotations.NullMarked;
