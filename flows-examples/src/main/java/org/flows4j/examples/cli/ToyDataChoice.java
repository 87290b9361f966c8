package org.flows4j.examples.cli;

import java.util.SplittableRandom;
import java.nio.file.Path;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.ToyDataSource;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;

/** A 2-D toy density: every training batch is a fresh draw, and the held-out set is a fixed seeded draw. */
record ToyDataChoice(ToyDensity density) implements ToyData {
  @Override
  public String cliName() {
    return density.cliName();
  }

  @Override
  public DataSource trainingSource(long seed, @Nullable Integer trainLimit, Path dataDirectory) {
    refuseTrainLimit(trainLimit);
    return new ToyDataSource(density, seed);
  }

  @Override
  public HeldOut heldOut(int count, Path dataDirectory) {
    return new HeldOut(density.sampleFlat(count, new SplittableRandom(HELD_OUT_SEED)), count);
  }
}
