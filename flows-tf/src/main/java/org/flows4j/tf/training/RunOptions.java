package org.flows4j.tf.training;

import com.google.common.base.Preconditions;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * How long to train and what to do along the way.
 *
 * @param steps train until this many optimizer steps have been taken (a resumed run continues up to it)
 * @param batchSize examples per batch
 * @param checkpointEvery optimizer steps between checkpoints (0: only at the end)
 * @param checkpointDirectory where checkpoints go; null for none
 * @param evaluateEvery optimizer steps between held-out evaluations (0: only at the end)
 */
public record RunOptions(
    long steps, int batchSize, int checkpointEvery, @Nullable Path checkpointDirectory, int evaluateEvery) {
  public RunOptions {
    Preconditions.checkArgument(steps >= 1, "steps must be at least 1, but was %s", steps);
    Preconditions.checkArgument(batchSize >= 1, "batchSize must be at least 1, but was %s", batchSize);
    Preconditions.checkArgument(checkpointEvery >= 0, "checkpointEvery must be >= 0, but was %s", checkpointEvery);
    Preconditions.checkArgument(evaluateEvery >= 0, "evaluateEvery must be >= 0, but was %s", evaluateEvery);
  }
}
