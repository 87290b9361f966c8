package org.flows4j.tf.training;

import com.google.common.base.Preconditions;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How long {@link TrainingRun#run} trains and what it does along the way. Built with {@link #builder()} and named
 * settings, so the three step counts cannot be swapped silently (there is deliberately no public positional
 * constructor):
 *
 * <pre>{@code
 * RunOptions options = RunOptions.builder()
 *     .steps(3000).batchSize(32)
 *     .evaluateEvery(500)
 *     .checkpointEvery(1000).checkpointDirectory(Path.of("out/checkpoints"))
 *     .build();
 * }</pre>
 *
 * <p>{@code steps} must be set; everything else has a default: batch size 64, no checkpoints, held-out evaluation
 * only at the end.
 */
public final class RunOptions {
  private final long steps;
  private final int batchSize;
  private final int checkpointEvery;
  private final @Nullable Path checkpointDirectory;
  private final int evaluateEvery;

  private RunOptions(Builder builder) {
    Preconditions.checkArgument(builder.steps >= 1, "steps must be set to at least 1, but was %s", builder.steps);
    Preconditions.checkArgument(builder.batchSize >= 1, "batchSize must be at least 1, but was %s",
        builder.batchSize);
    Preconditions.checkArgument(builder.checkpointEvery >= 0, "checkpointEvery must be >= 0, but was %s",
        builder.checkpointEvery);
    Preconditions.checkArgument(builder.evaluateEvery >= 0, "evaluateEvery must be >= 0, but was %s",
        builder.evaluateEvery);
    this.steps = builder.steps;
    this.batchSize = builder.batchSize;
    this.checkpointEvery = builder.checkpointEvery;
    this.checkpointDirectory = builder.checkpointDirectory;
    this.evaluateEvery = builder.evaluateEvery;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder builder = new Builder().steps(steps).batchSize(batchSize).checkpointEvery(checkpointEvery)
        .evaluateEvery(evaluateEvery);
    builder.checkpointDirectory = checkpointDirectory;
    return builder;
  }

  /** Train until this many optimizer steps have been taken (a resumed run continues up to it). */
  public long steps() {
    return steps;
  }

  /** Examples per batch: the {@code size} argument {@link TrainingRun} passes to its data source. */
  public int batchSize() {
    return batchSize;
  }

  /** Optimizer steps between checkpoints; 0: only at the end (when there is a checkpoint directory). */
  public int checkpointEvery() {
    return checkpointEvery;
  }

  /** Where checkpoints go; empty for none. */
  public Optional<Path> checkpointDirectory() {
    return Optional.ofNullable(checkpointDirectory);
  }

  /** Optimizer steps between held-out evaluations; 0: only at the end (when there is held-out data). */
  public int evaluateEvery() {
    return evaluateEvery;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RunOptions other && steps == other.steps && batchSize == other.batchSize
        && checkpointEvery == other.checkpointEvery && Objects.equals(checkpointDirectory, other.checkpointDirectory)
        && evaluateEvery == other.evaluateEvery;
  }

  @Override
  public int hashCode() {
    return Objects.hash(steps, batchSize, checkpointEvery, checkpointDirectory, evaluateEvery);
  }

  @Override
  public String toString() {
    return "RunOptions[steps=" + steps + ", batchSize=" + batchSize + ", checkpointEvery=" + checkpointEvery
        + ", checkpointDirectory=" + checkpointDirectory + ", evaluateEvery=" + evaluateEvery + "]";
  }

  /** Builder for {@link RunOptions}; the values are checked by {@link #build()}, each by its name. */
  public static final class Builder {
    private long steps;
    private int batchSize = 64;
    private int checkpointEvery;
    private @Nullable Path checkpointDirectory;
    private int evaluateEvery;

    private Builder() {}

    /** Required: train until this many optimizer steps have been taken. */
    public Builder steps(long value) {
      this.steps = value;
      return this;
    }

    /** Examples per batch (default 64). */
    public Builder batchSize(int value) {
      this.batchSize = value;
      return this;
    }

    /** Optimizer steps between checkpoints (default 0: only at the end). */
    public Builder checkpointEvery(int value) {
      this.checkpointEvery = value;
      return this;
    }

    /** Where checkpoints go (default: none are written). */
    public Builder checkpointDirectory(Path value) {
      this.checkpointDirectory = Preconditions.checkNotNull(value, "checkpointDirectory");
      return this;
    }

    /** Optimizer steps between held-out evaluations (default 0: only at the end). */
    public Builder evaluateEvery(int value) {
      this.evaluateEvery = value;
      return this;
    }

    public RunOptions build() {
      return new RunOptions(this);
    }
  }
}
