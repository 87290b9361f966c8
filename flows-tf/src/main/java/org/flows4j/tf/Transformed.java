package org.flows4j.tf;

import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * The result of pushing a batch through a bijection: the transformed batch and {@code log|det J|} per example
 * (shape {@code [batch]}).
 */
public record Transformed<T extends TFloating>(Operand<T> value, Operand<T> logDet) {}
