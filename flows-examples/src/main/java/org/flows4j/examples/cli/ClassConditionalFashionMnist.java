package org.flows4j.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.context.Contexts;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.data.ConditionalDataSource;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.DataSources;
import org.flows4j.tf.data.FashionMnist;
import org.flows4j.tf.data.Images;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;

/**
 * Fashion-MNIST with its class labels as the context ({@code --data fashion-mnist --conditional}): a class index
 * 0–9 with a learned 16-feature embedding, as in Glow's class-conditional models. The images are those of
 * {@link FashionMnistChoice}, each paired with its label from the same split.
 */
record ClassConditionalFashionMnist() implements ConditionalDataChoice {
  static final int CLASSES = 10;
  /** The labels' names, in label order, as the data set documents them. */
  static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
      "Shirt", "Sneaker", "Bag", "Ankle boot");

  private static final FashionMnistChoice IMAGES = new FashionMnistChoice();

  @Override
  public String cliName() {
    return IMAGES.cliName();
  }

  @Override
  public Shape shape() {
    return IMAGES.shape();
  }

  @Override
  public TrainingDefaults defaults() {
    return IMAGES.defaults();
  }

  @Override
  public ContextSpec context() {
    return Contexts.classes(CLASSES);
  }

  @Override
  public ConditionalDataSource conditionalTrainingSource(long seed, @Nullable Integer trainLimit,
      Path dataDirectory) {
    int count = trainLimit == null ? FashionMnistChoice.TRAIN_IMAGES : trainLimit;
    if (count < 1 || count > FashionMnistChoice.TRAIN_IMAGES) {
      throw new UsageException("--train-limit must be between 1 and " + FashionMnistChoice.TRAIN_IMAGES
          + " (the Fashion-MNIST training images), but was " + count);
    }
    Images images = count == FashionMnistChoice.TRAIN_IMAGES
        ? FashionMnist.load(dataDirectory, FashionMnist.Split.TRAIN)
        : FashionMnist.load(dataDirectory, FashionMnist.Split.TRAIN, count);
    float[] labels = labels(dataDirectory, FashionMnist.Split.TRAIN, count);
    return DataSources.ofArrays(images.pixels(), images.shape(), labels, seed);
  }

  @Override
  public ConditionalBatch conditionalHeldOut(int count, Path dataDirectory) {
    HeldOut images = IMAGES.heldOut(count, dataDirectory);
    return new ConditionalBatch(images.values(), labels(dataDirectory, FashionMnist.Split.TEST, images.count()),
        images.count());
  }

  private static float[] labels(Path dataDirectory, FashionMnist.Split split, int count) {
    int[] all = FashionMnist.labels(dataDirectory, split);
    float[] labels = new float[count];
    for (int i = 0; i < count; i++) {
      labels[i] = all[i];
    }
    return labels;
  }

  @Override
  public List<PictureContext> pictureContexts() {
    List<PictureContext> contexts = new ArrayList<>();
    for (int k = 0; k < CLASSES; k++) {
      contexts.add(new PictureContext(k + " " + CLASS_NAMES.get(k), new float[] {k}));
    }
    return contexts;
  }

  @Override
  public DataSource trainingSource(long seed, @Nullable Integer trainLimit, Path dataDirectory) {
    return IMAGES.trainingSource(seed, trainLimit, dataDirectory);
  }

  @Override
  public HeldOut heldOut(int count, Path dataDirectory) {
    return IMAGES.heldOut(count, dataDirectory);
  }

  @Override
  public int trainingExamples() {
    return IMAGES.trainingExamples();
  }

  @Override
  public int maxHeldOut() {
    return IMAGES.maxHeldOut();
  }
}
