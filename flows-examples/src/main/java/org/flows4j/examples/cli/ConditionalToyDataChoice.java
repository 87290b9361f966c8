package org.flows4j.examples.cli;

import java.util.SplittableRandom;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.flows4j.api.Shape;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.context.Contexts;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.data.ConditionalDataSource;
import org.flows4j.tf.data.ConditionalToyDataSource;
import org.flows4j.tf.data.ConditionalToyDensity;
import org.flows4j.tf.data.DataSource;
import org.flows4j.tf.data.LabelledEightGaussians;
import org.flows4j.tf.data.RadiusIndexedRing;
import org.flows4j.tf.training.TrainingRun.HeldOut;
import org.jspecify.annotations.Nullable;

/**
 * A 2-D density with a context: {@code 8gaussians-labelled} (x given which of the 8 Gaussians drew it, a class
 * context with an 8-feature embedding) or {@code ring-radius} (x on a ring of radius c ~ U[1, 3], a one-feature
 * context). Every training batch is a fresh draw of pairs; the held-out pairs are a fixed seeded draw. Asked for
 * plain x (the unconditional methods) they give the marginal.
 */
record ConditionalToyDataChoice(String cliName, ConditionalToyDensity density)
    implements ConditionalDataChoice, ToyData {
  static final ConditionalToyDataChoice LABELLED_GAUSSIANS =
      new ConditionalToyDataChoice("8gaussians-labelled", new LabelledEightGaussians());
  static final ConditionalToyDataChoice RING_RADIUS =
      new ConditionalToyDataChoice("ring-radius", RadiusIndexedRing.standard());
  /** Radii the pictures show: both ends of the prior's range and between. */
  private static final double[] PICTURE_RADII = {1.0, 1.5, 2.0, 2.5, 3.0};

  @Override
  public ContextSpec context() {
    return density.classes() > 0 ? Contexts.classes(density.classes()).embedding(density.classes())
        : Contexts.features(density.contextFeatures());
  }

  @Override
  public ConditionalDataSource conditionalTrainingSource(long seed, @Nullable Integer trainLimit,
      Path dataDirectory) {
    refuseTrainLimit(trainLimit);
    return new ConditionalToyDataSource(density, seed);
  }

  @Override
  public ConditionalBatch conditionalHeldOut(int count, Path dataDirectory) {
    return density.sample(count, new SplittableRandom(HELD_OUT_SEED));
  }

  @Override
  public List<PictureContext> pictureContexts() {
    List<PictureContext> contexts = new ArrayList<>();
    if (density.classes() > 0) {
      for (int k = 0; k < density.classes(); k++) {
        contexts.add(new PictureContext("class " + k, new float[] {k}));
      }
    } else {
      for (double radius : PICTURE_RADII) {
        contexts.add(new PictureContext(String.format(Locale.ROOT, "radius %.1f", radius),
            new float[] {(float) radius}));
      }
    }
    return contexts;
  }

  /** {@code n} points drawn from the data given {@code context}, the same ones every time (pictures). */
  float[] pointsGiven(float[] context, int n) {
    double[] c = new double[context.length];
    for (int i = 0; i < c.length; i++) {
      c[i] = context[i];
    }
    return density.sampleGiven(c, n, new SplittableRandom(HELD_OUT_SEED)).x();
  }

  /** The marginal: the pairs' x without their contexts. */
  @Override
  public DataSource trainingSource(long seed, @Nullable Integer trainLimit, Path dataDirectory) {
    ConditionalDataSource pairs = conditionalTrainingSource(seed, trainLimit, dataDirectory);
    return new DataSource() {
      @Override
      public Shape shape() {
        return pairs.shape();
      }

      @Override
      public float[] batch(long index, int size) {
        return pairs.batch(index, size).x();
      }
    };
  }

  @Override
  public HeldOut heldOut(int count, Path dataDirectory) {
    return new HeldOut(conditionalHeldOut(count, dataDirectory).x(), count);
  }
}
