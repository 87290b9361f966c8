package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.flows4j.tf.ImportanceSamples;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.FashionMnist;
import org.flows4j.tf.data.FashionMnist.Split;
import org.flows4j.tf.data.ImageDataSource;
import org.junit.jupiter.api.Test;

/**
 * Flow++ with variational dequantization on real data: a small {@code flowPlusPlus} preset (width 16, 1 block, 2
 * heads, 4 logistics) trains {@value #STEPS} steps on 512 Fashion-MNIST training images (batch {@value #BATCH})
 * and its mean training ELBO in bits/dim over the last {@value #WINDOW} steps must be below that of the first
 * {@value #WINDOW} by at least {@value #MARGIN}. Then, on {@value #TEST_IMAGES} test images, the ELBO's bits/dim
 * must be at least the importance-weighted estimate's with K = 4, and that at least K = 16's: in expectation
 * ELBO ≤ IW_4 ≤ IW_16 ≤ log P(x), and the gaps are large against the noise of a mean over 64 images.
 */
class VariationalDequantizationTrainingTest {
  private static final int STEPS = 30;
  private static final int WINDOW = 8;
  private static final int BATCH = 16;
  private static final double MARGIN = 0.25;
  private static final int TEST_IMAGES = 64;

  @Test
  void flowPlusPlusLearnsAndItsElboBoundsTheImportanceWeightedEstimate() {
    FlowSpec spec = Presets.flowPlusPlus(Shape.of(28, 28, 1)).width(16).blocks(1).heads(2).components(4).build();
    ImageDataSource test =
        new ImageDataSource(FashionMnist.load(FashionMnist.DEFAULT_DIRECTORY, Split.TEST, TEST_IMAGES), 0);
    try (Trainer trainer = Trainer.create(spec, TrainingOptions.builder()
        .learningRate(2e-3).seed(1).evaluationBatch(64).build())) {
      double[] bitsPerDim = TrainingCurves.bitsPerDim(trainer, TrainingCurves.fashionMnist(512), STEPS, BATCH);
      float[] images = test.batch(0, TEST_IMAGES);
      Evaluation elbo = trainer.evaluate(images, TEST_IMAGES, ImportanceSamples.of(1));
      Evaluation iw4 = trainer.evaluate(images, TEST_IMAGES, ImportanceSamples.of(4));
      Evaluation iw16 = trainer.evaluate(images, TEST_IMAGES, ImportanceSamples.of(16));
      double first = TrainingCurves.firstMean(bitsPerDim, WINDOW);
      double last = TrainingCurves.lastMean(bitsPerDim, WINDOW);
      System.out.printf("flowpp fashion-mnist: training ELBO %.3f -> %.3f bits/dim; test ELBO %.4f, IW(4) %.4f, "
          + "IW(16) %.4f bits/dim%n", first, last, elbo.bitsPerDim(), iw4.bitsPerDim(), iw16.bitsPerDim());
      assertThat(last).as("mean training bits/dim of the last %s steps vs the first %s", WINDOW, WINDOW)
          .isLessThan(first - MARGIN);
      assertThat(iw16.importanceSamples()).isEqualTo(16);
      assertThat(elbo.bitsPerDim()).as("ELBO vs IW(4)").isGreaterThan(iw4.bitsPerDim());
      assertThat(iw4.bitsPerDim()).as("IW(4) vs IW(16)").isGreaterThan(iw16.bitsPerDim());
    }
  }
}
