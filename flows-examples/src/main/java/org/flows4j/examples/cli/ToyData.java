package org.flows4j.examples.cli;

import org.flows4j.api.Shape;
import org.jspecify.annotations.Nullable;

/**
 * What the 2-D toy densities share, with or without a context: points in the plane, the 2-D training defaults, a
 * fresh draw for every batch (so no limit on training examples, and no {@code --train-limit}) and a held-out set
 * drawn with {@link #HELD_OUT_SEED}.
 */
sealed interface ToyData extends DataChoice permits ToyDataChoice, ConditionalToyDataChoice {
  /**
   * Seeds the held-out draw. Independent of {@code --seed} so that held-out figures of runs with different seeds
   * compare; large, so no training batch ({@code seed * 1_000_003 + index}) of a plausible run draws it too.
   */
  long HELD_OUT_SEED = 0x7E57_5EED_0F_70D1L;

  /** Any number of points can be drawn; this bound only keeps a mistyped --limit from exhausting memory. */
  int MAX_HELD_OUT = 10_000_000;

  @Override
  default Shape shape() {
    return Shape.of(2);
  }

  @Override
  default TrainingDefaults defaults() {
    return TrainingDefaults.TWO_D;
  }

  @Override
  default int trainingExamples() {
    return Integer.MAX_VALUE;
  }

  @Override
  default int maxHeldOut() {
    return MAX_HELD_OUT;
  }

  /** Refuses {@code --train-limit}, which only means something for a finite set of images. */
  default void refuseTrainLimit(@Nullable Integer trainLimit) {
    if (trainLimit != null) {
      throw new UsageException("--train-limit applies to image data only: the 2-D density " + cliName()
          + " draws fresh points for every batch. Drop --train-limit.");
    }
  }
}
