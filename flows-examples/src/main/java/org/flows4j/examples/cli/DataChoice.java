package org.flows4j.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.ToyDensity;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;

/**
 * What {@code --data} names: one of the 2-D toy densities, a 2-D density with a context, or Fashion-MNIST (with
 * its class labels under {@code --conditional}). Knows the shape of one example, the training batches, the held-out
 * set, and the training defaults that suit it.
 */
sealed interface DataChoice permits ToyData, FashionMnistChoice, ConditionalDataChoice {
  String cliName();

  Shape shape();

  TrainingDefaults defaults();

  /**
   * Training batches as a pure function of the batch index, so a resumed run sees the batches an uninterrupted
   * one would have.
   *
   * @param trainLimit use only the first this many training examples; null for all
   * @param dataDirectory where data files are read from (Fashion-MNIST)
   */
  DataSource trainingSource(long seed, @Nullable Integer trainLimit, Path dataDirectory);

  /** The first {@code count} held-out examples; always the same ones, whatever the training seed. */
  HeldOut heldOut(int count, Path dataDirectory);

  /** The training examples there are (the 2-D densities draw fresh points for every batch: no limit). */
  int trainingExamples();

  /** The most held-out examples there are. */
  int maxHeldOut();

  /**
   * These data with their contexts, for {@code --conditional}: Fashion-MNIST with its class labels; data that
   * have a context already are returned as they are.
   *
   * @throws UsageException for data without a context to condition on
   */
  default ConditionalDataChoice conditioned() {
    if (this instanceof ConditionalDataChoice conditional) {
      return conditional;
    }
    if (this instanceof FashionMnistChoice) {
      return new ClassConditionalFashionMnist();
    }
    throw new UsageException("--conditional needs data with a context, but " + cliName() + " has none. Use "
        + "--data fashion-mnist (its class labels), " + ConditionalToyDataChoice.LABELLED_GAUSSIANS.cliName()
        + " or " + ConditionalToyDataChoice.RING_RADIUS.cliName() + ".");
  }

  /** Looks data up by CLI name, ignoring case; the error lists the valid names. */
  static DataChoice fromCliName(String name) {
    String wanted = name.strip().toLowerCase(Locale.ROOT);
    for (DataChoice choice : all()) {
      if (choice.cliName().equals(wanted)) {
        return choice;
      }
    }
    throw new IllegalArgumentException("unknown data '" + name + "'; choose one of: " + cliNames());
  }

  /** The valid names, comma-separated: the 2-D densities, then the image data sets. */
  static String cliNames() {
    return String.join(", ", all().stream().map(DataChoice::cliName).toList());
  }

  private static List<DataChoice> all() {
    List<DataChoice> all = new ArrayList<>();
    for (ToyDensity density : ToyDensity.values()) {
      all.add(new ToyDataChoice(density));
    }
    all.add(ConditionalToyDataChoice.LABELLED_GAUSSIANS);
    all.add(ConditionalToyDataChoice.RING_RADIUS);
    all.add(new FashionMnistChoice());
    return all;
  }
}
