package org.flows4j.api.residual;

import com.google.common.base.Preconditions;
import com.google.common.primitives.Ints;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.step.ResidualBlock;
import org.jspecify.annotations.Nullable;

/**
 * Builds one {@link ResidualBlock} inside {@code step.residualBlock(b -> …)}.
 *
 * <p>Defaults: LipSwish; spectral normalisation with coeff 0.98 (the official image models' {@code --coeff}; the
 * toy script's default is 0.9), relative tolerance 1e-3 and at most 20 power iterations per update; for training,
 * the Russian roulette with N ~ Geometric(0.5), 2 exact terms and the Neumann gradient; for evaluation, the same
 * with 20 exact terms; fixed-point inverse with atol = rtol = 1e-5 and at most 100 iterations.
 *
 * <p>These are not one configuration of the paper. Its image models ({@code train_img.py}) draw N ~ Poisson(2)
 * (use {@code LogDet.russianRoulettePoisson(2)}), and its toy models ({@code train_toy.py}) use coeff 0.9, 5 power
 * iterations and backpropagate through the roulette, which graph mode cannot do (see
 * {@code Presets.residualFlow} for both, as close as the library allows). The geometric default is the
 * paper's toy setting and its ablation's.
 */
public final class ResidualBlockBuilder {
  private @Nullable ResidualBranch branch;
  private Activation activation = Activation.LIPSWISH;
  private SpectralNormalization lipschitz = SpectralNormalization.defaults();
  private LogDetEstimator logDet = LogDet.russianRoulette(0.5);
  private @Nullable LogDetEstimator evaluationLogDet;
  private FixedPointInverse inverse = FixedPointInverse.defaults();
  private SeriesPrecision seriesPrecision = SeriesPrecision.FULL;

  /** An MLP branch with these hidden widths (vectors; on an image it acts on the flattened image). */
  public ResidualBlockBuilder lipschitzMlp(int... hiddenWidths) {
    Preconditions.checkNotNull(hiddenWidths, "hiddenWidths");
    Preconditions.checkArgument(hiddenWidths.length > 0, "lipschitzMlp needs at least one hidden width");
    this.branch = new LipschitzMlp(Ints.asList(hiddenWidths));
    return this;
  }

  /** The paper's 3×3 → 1×1 → 3×3 convolutional branch (images), with pre-activation. */
  public ResidualBlockBuilder lipschitzConvNet(int width) {
    this.branch = new LipschitzConvNet(width, true);
    return this;
  }

  /** Any branch, e.g. {@code new LipschitzConvNet(512, false)}. */
  public ResidualBlockBuilder branch(ResidualBranch value) {
    this.branch = Preconditions.checkNotNull(value, "branch");
    return this;
  }

  public ResidualBlockBuilder activation(Activation value) {
    this.activation = Preconditions.checkNotNull(value, "activation");
    return this;
  }

  /** The bound on each layer's spectral norm; must be in (0, 1) (checked with the whole flow). */
  public ResidualBlockBuilder lipschitzCoeff(double coeff) {
    this.lipschitz = lipschitz.withCoeff(coeff);
    return this;
  }

  public ResidualBlockBuilder spectralNormalization(SpectralNormalization value) {
    this.lipschitz = Preconditions.checkNotNull(value, "spectralNormalization");
    return this;
  }

  /** The training estimator. */
  public ResidualBlockBuilder logDet(LogDetEstimator value) {
    this.logDet = Preconditions.checkNotNull(value, "logDet");
    return this;
  }

  /**
   * The estimator for reported likelihoods. By default: the training estimator with 20 exact terms if it is a
   * Russian roulette, otherwise the training estimator itself.
   */
  public ResidualBlockBuilder evaluationLogDet(LogDetEstimator value) {
    this.evaluationLogDet = Preconditions.checkNotNull(value, "evaluationLogDet");
    return this;
  }

  public ResidualBlockBuilder inverse(FixedPointInverse value) {
    this.inverse = Preconditions.checkNotNull(value, "inverse");
    return this;
  }

  /**
   * The arithmetic of the log-det series' vector–Jacobian products; {@link SeriesPrecision#FULL} (the model's
   * dtype, the paper's estimator) by default. {@link SeriesPrecision#BFLOAT16} trades a small bias for speed on
   * CPUs with bfloat16 units; see there for exactly what changes.
   */
  public ResidualBlockBuilder seriesPrecision(SeriesPrecision value) {
    this.seriesPrecision = Preconditions.checkNotNull(value, "seriesPrecision");
    return this;
  }

  /** The block; throws when no branch was chosen. */
  public ResidualBlock build() {
    if (branch == null) {
      throw new IllegalStateException(
          "a residual block needs a branch: call lipschitzMlp(widths...) or lipschitzConvNet(width)");
    }
    LogDetEstimator evaluation = evaluationLogDet != null
        ? evaluationLogDet
        : logDet instanceof RussianRoulette roulette ? roulette.exactTerms(20) : logDet;
    return new ResidualBlock(branch, activation, lipschitz, logDet, evaluation, inverse, seriesPrecision);
  }
}
