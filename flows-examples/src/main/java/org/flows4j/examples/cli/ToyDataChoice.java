package org.flows4j.examples.cli;

import java.util.SplittableRandom;
import java.nio.file.Path;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.ToyDataSource;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;

/** A 2-D toy density: every training batch is a fresh draw, and the held-out set is a fixed seeded draw. */
record ToyDataChoice(ToyDensity density) implements DataChoice {
  /**
   * Seeds the held-out draw. Independent of {@code --seed} so that held-out figures of runs with different seeds
   * compare; large, so no training batch ({@code seed * 1_000_003 + index}) of a plausible run draws it too.
   */
  static final long HELD_OUT_SEED = 0x7E57_5EED_0F_70D1L;

  /** Any number of points can be drawn; this bound only keeps a mistyped --limit from exhausting memory. */
  private static final int MAX_HELD_OUT = 10_000_000;

  @Override
  public String cliName() {
    return density.cliName();
  }

  @Override
  public Shape shape() {
    return Shape.of(2);
  }

  @Override
  public TrainingDefaults defaults() {
    return TrainingDefaults.TWO_D;
  }

  @Override
  public DataSource trainingSource(long seed, @Nullable Integer trainLimit, Path dataDirectory) {
    if (trainLimit != null) {
      throw new UsageException("--train-limit applies to image data only: the 2-D density " + cliName()
          + " draws fresh points for every batch. Drop --train-limit.");
    }
    return new ToyDataSource(density, seed);
  }

  @Override
  public HeldOut heldOut(int count, Path dataDirectory) {
    return new HeldOut(density.sampleFlat(count, new SplittableRandom(HELD_OUT_SEED)), count);
  }

  @Override
  public int maxHeldOut() {
    return MAX_HELD_OUT;
  }

  @Override
  public int trainingExamples() {
    return Integer.MAX_VALUE;
  }
}
