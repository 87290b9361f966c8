/**
 * Compiles {@link org.flows4j.api.FlowSpec}s into TensorFlow graphs: {@link org.flows4j.tf.FlowCompiler} is the
 * entry point, {@link org.flows4j.tf.CompiledFlow} the result.
 */
@NullMarked
package org.flows4j.tf;

import org.jspecify.annotations.NullMarked;
