package org.flows4j.examples.cli;

/**
 * What {@code flows train} uses for a kind of data when an option is not given.
 *
 * @param steps optimizer steps
 * @param batch examples per batch
 * @param learningRate the base learning rate
 * @param warmupSteps steps of linear learning-rate warm-up
 * @param emaDecay decay of the weight average used for evaluation, samples and export (0: none)
 * @param evaluateEvery steps between held-out evaluations
 * @param checkpointEvery steps between checkpoints
 * @param heldOutDuringTraining held-out examples evaluated during training (a few, to keep evaluations cheap)
 * @param heldOutForEval held-out examples {@code flows eval} uses
 */
record TrainingDefaults(
    int steps,
    int batch,
    double learningRate,
    int warmupSteps,
    double emaDecay,
    int evaluateEvery,
    int checkpointEvery,
    int heldOutDuringTraining,
    int heldOutForEval) {

  /**
   * 2-D densities. Measured on two CPU cores: RealNVP (8 couplings, width 64) reaches 2.42 nats held-out on two
   * moons, whose entropy is about 2.35, in 8 s of training (24 s with start-up and outputs). No weight average:
   * at this rate the live weights after 3000 steps are as good as an average of the last few hundred.
   */
  static final TrainingDefaults TWO_D = new TrainingDefaults(3000, 256, 3e-3, 0, 0, 200, 500, 5000, 5000);

  /**
   * 28×28 images. Measured on two CPU cores: RealNVP (2 levels, width 32) reaches 3.58 bits/dim on 1000 test
   * images in 134 s of training (2.5 min in all). Batch 32 because a step's time grows with the batch on so few
   * cores (Glow, width 32: 45 steps/s at batch 32, 33 at batch 64), and thousands of small steps fit in minutes;
   * warm-up because ActNorm's data-dependent start and a fresh Adam make the first steps the largest; the weight
   * average (Glow's 0.999) because batch losses of 32 images still swing by ±0.3 bits/dim at the end.
   */
  static final TrainingDefaults IMAGES =
      new TrainingDefaults(3000, 32, 1e-3, 100, 0.999, 250, 500, 1000, 10_000);
}
