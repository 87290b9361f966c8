package org.flows4j.tf.training;

/**
 * What a checkpoint records beside the variables: the spec (JSON, so the graph can be rebuilt), the options, and
 * the counters the host keeps. Checked when read back, so an edited {@code trainer.json} is refused before it can
 * steer a resumed run (a negative step would make it discard metrics and prune every new checkpoint).
 *
 * @param steps optimizer steps taken
 * @param batches batches consumed (with gradient accumulation, {@code steps · accumulationSteps} plus skips)
 */
record TrainerState(String specJson, TrainingOptions options, long steps, long batches) {
  public TrainerState {
    if (specJson == null || specJson.isBlank()) {
      throw new IllegalArgumentException("\"specJson\" is missing");
    }
    if (options == null) {
      throw new IllegalArgumentException("\"options\" is missing");
    }
    if (steps < 0) {
      throw new IllegalArgumentException("\"steps\" must be at least 0, but was " + steps);
    }
    if (batches < steps) {
      throw new IllegalArgumentException("\"batches\" must be at least \"steps\" (" + steps + "), but was "
          + batches);
    }
  }
}
