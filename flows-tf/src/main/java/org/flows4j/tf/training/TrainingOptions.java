package org.flows4j.tf.training;

import com.google.common.base.Preconditions;

/**
 * How to train: Adam's learning rate and moments, and the seed for initial weights. Defaults follow Glow / RealNVP
 * practice ({@code lr = 1e-3}, {@code β = (0.9, 0.999)}, {@code ε = 1e-8}).
 */
public record TrainingOptions(double learningRate, double beta1, double beta2, double epsilon, long seed) {
  public TrainingOptions {
    Preconditions.checkArgument(learningRate > 0 && Double.isFinite(learningRate),
        "learningRate must be positive and finite, but was %s", learningRate);
    Preconditions.checkArgument(beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1), but was %s", beta1);
    Preconditions.checkArgument(beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1), but was %s", beta2);
    Preconditions.checkArgument(epsilon > 0, "epsilon must be positive, but was %s", epsilon);
  }

  public static TrainingOptions defaults() {
    return new TrainingOptions(1e-3, 0.9, 0.999, 1e-8, 0);
  }

  public TrainingOptions withLearningRate(double newLearningRate) {
    return new TrainingOptions(newLearningRate, beta1, beta2, epsilon, seed);
  }

  public TrainingOptions withSeed(long newSeed) {
    return new TrainingOptions(learningRate, beta1, beta2, epsilon, newSeed);
  }
}
