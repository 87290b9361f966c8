package org.flows4j.tf;

import org.flows4j.tf.layers.Layer;
import org.tensorflow.types.family.TFloating;

/** A compiled step and where it sits in the spec. */
public record CompiledStep<T extends TFloating>(Layer<T> layer, StepLocation location) {}
