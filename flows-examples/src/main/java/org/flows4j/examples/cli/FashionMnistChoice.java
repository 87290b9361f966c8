package org.flows4j.examples.cli;

import java.nio.file.Path;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.FashionMnist;
import org.flows4j.tf.data.ImageDataSource;
import org.flows4j.tf.data.Images;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;

/** Fashion-MNIST: 28×28 greyscale, trained on the training split, held out from the test split. */
record FashionMnistChoice() implements DataChoice {
  static final int TRAIN_IMAGES = 60_000;
  static final int TEST_IMAGES = 10_000;

  @Override
  public String cliName() {
    return "fashion-mnist";
  }

  @Override
  public Shape shape() {
    return Shape.of(28, 28, 1);
  }

  @Override
  public TrainingDefaults defaults() {
    return TrainingDefaults.IMAGES;
  }

  @Override
  public DataSource trainingSource(long seed, @Nullable Integer trainLimit, Path dataDirectory) {
    int count = trainLimit == null ? TRAIN_IMAGES : trainLimit;
    if (count < 1 || count > TRAIN_IMAGES) {
      throw new UsageException("--train-limit must be between 1 and " + TRAIN_IMAGES
          + " (the Fashion-MNIST training images), but was " + count);
    }
    // The whole split is read through the loader that also checks the file's gzip checksum.
    Images images = count == TRAIN_IMAGES ? FashionMnist.load(dataDirectory, FashionMnist.Split.TRAIN)
        : FashionMnist.load(dataDirectory, FashionMnist.Split.TRAIN, count);
    return new ImageDataSource(images, seed);
  }

  @Override
  public HeldOut heldOut(int count, Path dataDirectory) {
    Images images = count == TEST_IMAGES ? FashionMnist.load(dataDirectory, FashionMnist.Split.TEST)
        : FashionMnist.load(dataDirectory, FashionMnist.Split.TEST, count);
    return new HeldOut(images.pixels(), images.count());
  }

  @Override
  public int trainingExamples() {
    return TRAIN_IMAGES;
  }

  @Override
  public int maxHeldOut() {
    return TEST_IMAGES;
  }
}
