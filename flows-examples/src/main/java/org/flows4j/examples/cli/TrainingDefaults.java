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
   * 2-D densities: RealNVP (8 couplings, width 64) with these settings reaches about 2.5 nats on two moons, whose
   * entropy is about 2.35. No weight average: 3000 steps at this rate are short enough that the live weights are
   * the best ones.
   */
  static final TrainingDefaults TWO_D = new TrainingDefaults(3000, 256, 3e-3, 0, 0, 200, 500, 5000, 5000);

  /**
   * 28×28 images: small batches (32) because on two CPU cores a step's time grows with the batch while the
   * progress per step hardly does at this scale; warm-up because ActNorm's data-dependent start and a fresh Adam
   * make the first steps the largest; the weight average (Glow's 0.999) smooths the last few hundred steps.
   */
  static final TrainingDefaults IMAGES = new TrainingDefaults(3000, 32, 1e-3, 100, 0.999, 250, 500, 1000, 10_000);
}
