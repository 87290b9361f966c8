package org.flows4j.examples.sbi;

import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.context.Contexts;
import org.flows4j.api.step.Mask;
import org.flows4j.tf.data.ConditionalBatch;
import org.flows4j.tf.data.DataSources;
import org.flows4j.tf.training.RunOptions;
import org.flows4j.tf.training.Trainer;
import org.flows4j.tf.training.TrainingListener;
import org.flows4j.tf.training.TrainingOptions;
import org.flows4j.tf.training.TrainingRun;

/**
 * Neural posterior estimation (Papamakarios &amp; Murray 2016; Greenberg et al. 2019), the workflow the
 * simulation-based-inference community runs on nflows and zuko: simulate pairs (θ, x) from the prior and the
 * simulator, fit a conditional flow {@code q(θ | x)} by maximum likelihood on them (θ is the flow's data, x its
 * context), then draw posterior samples for an observed x. With {@link GaussianLinearSimulator} the exact posterior
 * is known, so the fit is checked against it.
 *
 * <p>The flow is a conditional neural spline flow: ActNorm + rational-quadratic spline coupling (8 bins on [-3, 3])
 * with an MLP conditioner given x, alternating halves, as nflows' and zuko's NPE examples use.
 */
public final class NeuralPosteriorEstimation {
  private NeuralPosteriorEstimation() {}

  /** The conditional flow {@code q(θ | x)} for a 2-D θ given a 2-D x. */
  static FlowSpec posteriorFlow(int couplings, int width) {
    return Flows.sequential(Shape.of(2)).context(Contexts.features(2))
        .stepsIndexed(couplings, (i, step) -> step.actNorm()
            .splineCoupling(Mask.HALF.flippedIf(i % 2 == 1), Conditioners.mlp(width, width)))
        .build();
  }

  /** {@code n} simulated pairs as a flow batch: θ as the data, x as the context. */
  static ConditionalBatch simulations(GaussianLinearSimulator simulator, int n, long seed) {
    GaussianLinearSimulator.Simulations s = simulator.simulate(n, seed);
    return new ConditionalBatch(toFloats(s.theta()), toFloats(s.x()), n);
  }

  /**
   * A trainer fitted to {@code count} simulations for {@code steps} steps of 256 pairs (lr 3e-3, seed 1); the caller
   * closes it.
   */
  static Trainer fit(GaussianLinearSimulator simulator, int count, int steps, long seed) {
    ConditionalBatch train = simulations(simulator, count, seed);
    Trainer trainer = Trainer.create(posteriorFlow(6, 32), TrainingOptions.defaults().withLearningRate(3e-3)
        .withSeed(1));
    try {
      TrainingRun.run(trainer, DataSources.ofArrays(train.x(), Shape.of(2), train.context(), seed), null,
          RunOptions.builder().steps(steps).batchSize(256).build(), new TrainingListener() {});
      return trainer;
    } catch (RuntimeException e) {
      trainer.close();
      throw e;
    }
  }

  /** {@code n} samples of {@code q(θ | observed)}, row-major {@code [n, 2]}. */
  static float[] posteriorSamples(Trainer trainer, double[] observed, int n, long seed) {
    float[] contexts = new float[2 * n];
    for (int i = 0; i < n; i++) {
      contexts[2 * i] = (float) observed[0];
      contexts[2 * i + 1] = (float) observed[1];
    }
    return trainer.sample(n, contexts, 1.0, seed);
  }

  /**
   * Fits the posterior, prints its samples' moments next to the exact ones for one observation, and draws them
   * ({@link PosteriorPlot}) to {@code args[0]}, by default {@code npe-posterior.png}.
   */
  public static void main(String[] args) throws java.io.IOException {
    java.nio.file.Path png = java.nio.file.Path.of(args.length > 0 ? args[0] : "npe-posterior.png");
    GaussianLinearSimulator simulator = GaussianLinearSimulator.standard();
    double[] observed = {1.0, -0.5};
    try (Trainer trainer = fit(simulator, 20_000, 600, 0)) {
      ConditionalBatch test = simulations(simulator, 2000, 99);
      double nll = trainer.evaluate(test).negativeLogLikelihood();
      System.out.printf("held-out -log q(θ | x): %.3f nats%n", nll);
      float[] samples = posteriorSamples(trainer, observed, 4000, 7);
      double[] mean = new double[2];
      for (int i = 0; i < 4000; i++) {
        mean[0] += samples[2 * i] / 4000.0;
        mean[1] += samples[2 * i + 1] / 4000.0;
      }
      double[] exact = simulator.posterior(observed).mean();
      System.out.printf("posterior mean for x = (%.1f, %.1f): flow (%.3f, %.3f), exact (%.3f, %.3f)%n",
          observed[0], observed[1], mean[0], mean[1], exact[0], exact[1]);
      PosteriorPlot.write(png, simulator, observed, samples, 11);
      System.out.println("wrote " + png.toAbsolutePath());
    }
  }

  private static float[] toFloats(double[] values) {
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (float) values[i];
    }
    return out;
  }
}
