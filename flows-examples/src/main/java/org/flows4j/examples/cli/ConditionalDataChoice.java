package org.flows4j.examples.cli;

import java.nio.file.Path;
import java.util.List;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.data.ConditionalDataSource;
import org.jspecify.annotations.Nullable;

/**
 * Data that come with a context c for each example, so that {@code flows train} fits {@code p(x | c)}: the 2-D
 * densities indexed by a label or a parameter, and Fashion-MNIST with its class labels ({@code --conditional}).
 */
sealed interface ConditionalDataChoice extends DataChoice
    permits ConditionalToyDataChoice, ClassConditionalFashionMnist {
  /** A context value to draw pictures for, with the label the picture gives it. */
  record PictureContext(String label, float[] value) {}

  /** The context the flow declares for these data. */
  ContextSpec context();

  /** Training pairs as a pure function of the batch index (see {@link DataChoice#trainingSource}). */
  ConditionalDataSource conditionalTrainingSource(long seed, @Nullable Integer trainLimit, Path dataDirectory);

  /** The first {@code count} held-out pairs; always the same ones, whatever the training seed. */
  ConditionalBatch conditionalHeldOut(int count, Path dataDirectory);

  /** The context values pictures show, one panel or grid row each: every class, or a few parameter values. */
  List<PictureContext> pictureContexts();

  /** The context value {@code flows sample --class K} asks for, checked against the data's classes. */
  default PictureContext classContext(int k) {
    List<PictureContext> all = pictureContexts();
    if (context() instanceof org.flows4j.api.context.ClassContext classes) {
      if (k < 0 || k >= classes.classes()) {
        throw new UsageException("--class must be a class of " + cliName() + ", 0 to " + (classes.classes() - 1)
            + ", but was " + k);
      }
      return all.get(k);
    }
    throw new UsageException("--class picks a class label, but " + cliName() + " is indexed by a continuous "
        + "parameter, not a class. Drop --class: the picture shows the model at several parameter values.");
  }
}
