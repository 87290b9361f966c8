package org.flows4j.api.conditioner;

/**
 * How the convolutions of a {@link AttentionConvNetConditioner Flow++ conditioner} hold their weights. Both
 * initialise from the first training batch when data initialisation is on (each output channel gets mean 0 and a
 * fixed spread on that batch); they differ in what is trained afterwards.
 */
public enum ConvWeights {
  /**
   * Plain kernels {@code W} and biases, as the official Flow++ code ({@code conv2d}/{@code dense} in
   * {@code flows.py}): {@code W} starts as N(0, 0.05²) and data initialisation rescales it in place,
   * {@code W ← W · s / σ}, {@code b ← −μ · s / σ}. The default.
   */
  PLAIN,
  /**
   * Weight normalisation (Salimans and Kingma 2016): {@code W = g · V / ‖V‖} per output channel, data
   * initialisation setting the gains {@code g} and biases. What flows4j's Flow++ conditioner used before it followed
   * the official code; specs saved then (no {@code "weights"} in their JSON) load with it.
   */
  WEIGHT_NORMALIZED
}
