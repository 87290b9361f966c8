package org.flows4j.tf.training;

/**
 * What a checkpoint records beside the variables: the spec (JSON, so the graph can be rebuilt), the options, and
 * the counters the host keeps.
 *
 * @param steps optimizer steps taken
 * @param batches batches consumed (with gradient accumulation, {@code steps · accumulationSteps} plus skips)
 */
public record TrainerState(String specJson, TrainingOptions options, long steps, long batches) {}
