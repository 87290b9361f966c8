package org.flows4j.tf.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.step.Mask;
import org.flows4j.tf.HostTensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * ActNorm's initialisation inside the first training step ({@code FirstStepInitialization}) against the separate
 * initialisation pass it replaces. The reference runs the trainer's own graph by hand the old way: initialise,
 * refresh, data-dependent pass, EMA sync, then the step, with the trainer's seeds. After two steps on batches whose
 * pixels have a spread and mean per position, the live weights and the EMA must agree to float32 round-off (1e-5
 * relative; a missing EMA sync, a statistic off by a batch or a gradient cut off from the variables would show as
 * errors of order 1e-2 and more). The trainer must not have built the separate pass at all.
 */
class FirstStepInitializationTest {
  private static final int BATCH = 32;
  private static final Shape SHAPE = Shape.of(8, 8, 1);

  @Test
  void theFirstStepInitialisesActNormAsTheSeparatePassDidWithoutRunningIt() {
    FlowSpec spec = Presets.glow(SHAPE).levels(2).stepsPerLevel(2).width(16).build();
    TrainingOptions options = TrainingOptions.builder().learningRate(1e-3).emaDecay(0.9).seed(5).build();
    float[][] batches = {pixels(1), pixels(2)};
    double[] liveInStep;
    double[] averageInStep;
    double[] lossesInStep = new double[2];
    try (Trainer trainer = Trainer.create(spec, options)) {
      assertThat(trainer.trainingGraph().firstStepInitialization).isNotNull();
      for (int i = 0; i < 2; i++) {
        lossesInStep[i] = trainer.step(batches[i], BATCH).loss();
      }
      assertThat(trainer.trainingGraph().hasDataInitialization()).as("the separate pass was built").isFalse();
      liveInStep = TrainerProbe.weights(trainer);
      averageInStep = TrainerProbe.values(trainer.session(), List.of(trainer.trainingGraph().average.shadow()));
    }
    double[] lossesSeparate = new double[2];
    double[] liveSeparate;
    double[] averageSeparate;
    TrainingGraph g = new TrainingGraph(spec, options);
    try (g.graph; Session session = new Session(g.graph, SessionConfigs.training(options, false))) {
      session.initialize();
      session.runner().addTarget(g.normalize).addTarget(g.averageSync).run().close();
      for (int i = 0; i < 2; i++) {
        long noise = Trainer.batchNoiseSeed(options.seed(), i);
        try (TFloat32 x = TFloat32.tensorOf(org.tensorflow.ndarray.Shape.of(BATCH, 8, 8, 1),
                DataBuffers.of(batches[i], true, false));
            TInt64 noiseSeed = HostTensors.seed(noise); TInt64 flowSeed = HostTensors.seed(~noise)) {
          if (i == 0) {
            session.runner().feed(g.data, x).feed(g.noiseSeed, noiseSeed).feed(g.flow.randomSeed(), flowSeed)
                .addTarget(g.dataInitialization()).run().close();
            session.run(g.averageSync);
          }
          try (Result result = session.runner().feed(g.data, x).feed(g.noiseSeed, noiseSeed)
              .feed(g.flow.randomSeed(), flowSeed).fetch(g.stepNll).addTarget(g.accumulate).run()) {
            lossesSeparate[i] = HostTensors.toDouble(result.get(0));
          }
          session.run(g.apply);
        }
      }
      liveSeparate = TrainerProbe.values(session, g.flow.trainableVariables());
      averageSeparate = TrainerProbe.values(session, List.of(g.average.shadow()));
    }
    System.out.printf("first-step vs separate initialisation: losses %.7f, %.7f vs %.7f, %.7f; weights %.2g, "
        + "average %.2g (relative L2)%n", lossesInStep[0], lossesInStep[1], lossesSeparate[0], lossesSeparate[1],
        relativeDifference(liveInStep, liveSeparate), relativeDifference(averageInStep, averageSeparate));
    assertThat(lossesInStep[0]).isCloseTo(lossesSeparate[0], within(1e-5 * Math.abs(lossesSeparate[0])));
    assertThat(lossesInStep[1]).isCloseTo(lossesSeparate[1], within(1e-5 * Math.abs(lossesSeparate[1])));
    assertThat(relativeDifference(liveInStep, liveSeparate)).isLessThan(1e-5);
    assertThat(relativeDifference(averageInStep, averageSeparate)).isLessThan(1e-5);
  }

  @Test
  void aFlowWithOtherDataDependentInitialisationKeepsTheSeparatePass() {
    // Flow++'s conditioner: weight-normalised convolutions with data-dependent initialisation, next to an ActNorm.
    FlowSpec spec = Flows.sequential(SHAPE).dequantize(Dequantization.uniform(256)).steps(1, s -> s.actNorm()
        .additiveCoupling(Mask.CHECKERBOARD, Conditioners.flowPlusPlus(8).blocks(1).heads(1))).build();
    TrainingOptions options = TrainingOptions.builder().seed(5).build();
    try (Trainer trainer = Trainer.create(spec, options)) {
      assertThat(trainer.trainingGraph().firstStepInitialization).isNull();
      trainer.step(pixels(1), BATCH);
      assertThat(trainer.trainingGraph().hasDataInitialization()).isTrue();
    }
  }

  /** A batch of 8-bit pixels whose mean and spread vary with the position, so every ActNorm has work to do. */
  private static float[] pixels(long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[BATCH * SHAPE.size()];
    for (int i = 0; i < values.length; i++) {
      int position = i % SHAPE.size();
      double value = 40 + 2.5 * position + (10 + position) * random.nextGaussian();
      values[i] = (float) Math.max(0, Math.min(255, Math.rint(value)));
    }
    return values;
  }

  private static double relativeDifference(double[] a, double[] b) {
    assertThat(a).hasSameSizeAs(b);
    double difference = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      difference += Math.pow(a[i] - b[i], 2);
      norm += Math.pow(b[i], 2);
    }
    return Math.sqrt(difference / norm);
  }
}
