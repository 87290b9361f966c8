/** TensorBoard event files written by TensorFlow's own summary ops. */
@NullMarked
package org.flows4j.tf.summary;

import org.jspecify.annotations.NullMarked;
