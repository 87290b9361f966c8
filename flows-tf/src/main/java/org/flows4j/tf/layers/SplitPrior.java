package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * Glow's learned prior at a factor-out ({@code split2d_prior}): the factored part {@code z₂} is Gaussian with mean
 * μ and log-scale {@code log σ} computed from the kept part {@code z₁} (and, in a conditional flow, the pass's
 * condition) by one zero-initialised 3×3 convolution (a dense layer on vectors), so the prior starts as the base.
 * Compiled as the affine map {@code ε = (z₂ − μ)·exp(−log σ)} in front of the base: {@code log p(z₂ | z₁) =
 * log N(ε) − Σ log σ}, and sampling {@code z₂ = μ + σ·ε} with ε drawn at the sampling temperature, as Glow's
 * code does. Departure: Glow's {@code conv2d_zeros} also multiplies its output by a learned per-channel
 * {@code exp(3·s)} (a learning-rate trick); this convolution does not.
 */
public final class SplitPrior<T extends TFloating> {
  private final Shape keptShape;
  private final int factored;
  private final Class<T> type;
  private final Variable<T> kernel;
  private final Variable<T> bias;

  /**
   * @param keptShape the kept part's per-example shape
   * @param factored the factored part's features
   * @param conditionFeatures the width of the pass's condition (0 in an unconditional flow)
   */
  public SplitPrior(Ops tf, Shape keptShape, int factored, int conditionFeatures, Parameters<T> parameters) {
    this.keptShape = keptShape;
    this.factored = factored;
    this.type = parameters.type();
    int in = keptShape.features() + conditionFeatures;
    long[] kernelShape = keptShape.isImage() ? new long[] {3, 3, in, 2L * factored} : new long[] {in, 2L * factored};
    this.kernel = parameters.filled(tf, "kernel", kernelShape, 0.0);
    this.bias = parameters.filled(tf, "bias", new long[] {2L * factored}, 0.0);
  }

  private record MeanAndLogScale<T extends TFloating>(Operand<T> mean, Operand<T> logScale) {}

  private MeanAndLogScale<T> meanAndLogScale(Ops tf, Operand<T> kept, PassContext<T> context) {
    Operand<T> input = ConditionerNet.withCondition(tf, kept, context);
    Operand<T> h = keptShape.isImage()
        ? tf.nn.conv2d(input, kernel, List.of(1L, 1L, 1L, 1L), "SAME")
        : tf.linalg.matMul(input, kernel);
    h = tf.math.add(h, bias);
    SplitV<T> split = tf.splitV(h, tf.constant(new int[] {factored, factored}), tf.constant(-1), 2L);
    return new MeanAndLogScale<>(split.output().get(0), split.output().get(1));
  }

  /** {@code z₂ ↦ ε} and its log-det {@code −Σ log σ} per example. */
  public Transformed<T> forward(Ops tf, Operand<T> kept, Operand<T> factoredPart, PassContext<T> context) {
    MeanAndLogScale<T> p = meanAndLogScale(tf, kept, context);
    Operand<T> epsilon = tf.math.mul(tf.math.sub(factoredPart, p.mean()), tf.math.exp(tf.math.neg(p.logScale())));
    return new Transformed<>(epsilon, tf.math.neg(Tensors.sumPerExample(tf, p.logScale(), keptShape.rank())));
  }

  /** {@code ε ↦ z₂ = μ + σ·ε} and its log-det {@code Σ log σ} per example. */
  public Transformed<T> inverse(Ops tf, Operand<T> kept, Operand<T> epsilon, PassContext<T> context) {
    MeanAndLogScale<T> p = meanAndLogScale(tf, kept, context);
    Operand<T> z = tf.math.add(p.mean(), tf.math.mul(tf.math.exp(p.logScale()), epsilon));
    return new Transformed<>(z, Tensors.sumPerExample(tf, p.logScale(), keptShape.rank()));
  }

  public List<Variable<T>> variables() {
    return List.of(kernel, bias);
  }
}
