package org.flows4j.api;

import java.util.function.Consumer;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.residual.ResidualBlockBuilder;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.StepSpec;
import org.flows4j.api.transform.CouplingTransform;
import org.flows4j.api.transform.RationalQuadraticSpline;

/**
 * Appends steps, in application order (data → latent), inside a {@code steps}, {@code levels} or {@code level}
 * body. Every method returns this builder. Arguments are checked at the call; rules that depend on the shape a
 * step receives are checked by {@code build()}, which lists them all at once.
 */
public interface StepsBuilder {
  /** Glow's per-feature affine normalisation, initialised from the first batch. */
  StepsBuilder actNorm();

  /** NICE's volume-preserving coupling {@code y_b = x_b + t(x_a)}. */
  StepsBuilder additiveCoupling(Mask mask, ConditionerSpec conditioner);

  /** An additive coupling with the default mask: see {@link #affineCoupling(ConditionerSpec)}. */
  StepsBuilder additiveCoupling(ConditionerSpec conditioner);

  /** RealNVP's affine coupling with the scale {@code AffineScale.expSoftClamp(2.0)}. */
  StepsBuilder affineCoupling(Mask mask, ConditionerSpec conditioner);

  StepsBuilder affineCoupling(Mask mask, ConditionerSpec conditioner, AffineScale scale);

  /**
   * An affine coupling with the default mask, {@link Mask#CHANNELS} when the flow's input is an image and
   * {@link Mask#HALF} otherwise, and the scale {@code AffineScale.expSoftClamp(2.0)}. The mask does not
   * alternate by itself: use {@link #stepsIndexed} and {@link Mask#flippedIf} for that, or a 1x1 convolution.
   */
  StepsBuilder affineCoupling(ConditionerSpec conditioner);

  /**
   * A coupling with any elementwise transform: the {@code mask} picks the part that passes through and feeds the
   * {@code conditioner}, which computes the {@code transform}'s parameters for every scalar of the other part, e.g.
   * {@code coupling(Mask.HALF, Conditioners.mlp(64, 64), Transforms.affine())}.
   */
  StepsBuilder coupling(Mask mask, ConditionerSpec conditioner, CouplingTransform transform);

  /**
   * A spline coupling (Neural Spline Flows, Durkan et al. 2019): {@code coupling(mask, conditioner, spline)}, each
   * transformed scalar mapped by its own monotone rational-quadratic spline whose {@code 3K − 1} raw parameters
   * the conditioner computes from the passing part. Identity outside {@code [-bound, bound]}.
   */
  StepsBuilder splineCoupling(Mask mask, ConditionerSpec conditioner, RationalQuadraticSpline spline);

  /** A spline coupling with the default spline, {@code RationalQuadraticSpline.defaults()} (8 bins on [-3, 3]). */
  StepsBuilder splineCoupling(Mask mask, ConditionerSpec conditioner);

  /** A spline coupling with the default mask (see {@link #affineCoupling(ConditionerSpec)}). */
  StepsBuilder splineCoupling(ConditionerSpec conditioner, RationalQuadraticSpline spline);

  /** A spline coupling with the default mask and the default spline. */
  StepsBuilder splineCoupling(ConditionerSpec conditioner);

  StepsBuilder invertibleConv1x1(Conv1x1 parameterization);

  /** Reverses the order of the features (channels for images). */
  StepsBuilder reverse();

  /** A fixed permutation of the features (channels for images), drawn from {@code seed}. */
  StepsBuilder shuffle(long seed);

  /** Space-to-depth with factor 2: {@code [h, w, c] → [h/2, w/2, 4c]}. */
  StepsBuilder squeeze();

  /** Space-to-depth: {@code [h, w, c] → [h/f, w/f, c·f²]}; {@code factor} must be at least 2. */
  StepsBuilder squeeze(int factor);

  /** Sends the last {@code floor(c/2)} features straight to the base distribution. */
  StepsBuilder factorOut();

  /** A factor-out whose part goes through {@code prior} (Glow's {@link FactorOutPrior#LEARNED} split prior). */
  StepsBuilder factorOut(FactorOutPrior prior);

  /** Runs {@code body} {@code n} times (n ≥ 1), appending what each run adds, in order. */
  StepsBuilder steps(int n, Consumer<StepsBuilder> body);

  /** Like {@link #steps(int, Consumer)}, passing the repetition index 0, 1, …, n-1. */
  StepsBuilder stepsIndexed(int n, IndexedSteps body);

  /** Appends a step record as is: the escape hatch for steps built elsewhere. */
  StepsBuilder add(StepSpec step);

  /**
   * An invertible residual block {@code x + g(x)} (Residual Flows), configured by {@code body}: e.g.
   * {@code b -> b.lipschitzMlp(128, 128).lipschitzCoeff(0.98).logDet(LogDet.russianRoulette(0.5))}.
   */
  StepsBuilder residualBlock(Consumer<ResidualBlockBuilder> body);

  /**
   * Flow++'s mixture-of-logistics coupling with {@code components} logistics per scalar (the paper uses 32 on
   * CIFAR-10, 4 in its ablations); inverted by bisection.
   */
  StepsBuilder mixtureLogisticsCoupling(Mask mask, ConditionerSpec conditioner, int components);

  /**
   * A masked autoregressive flow step (MAF, Papamakarios et al. 2017) on a vector: {@code z_i = x_i·exp(s_i) + t_i}
   * with {@code (s_i, t_i)} from a MADE network over {@code x_<i} with the given hidden widths, ReLU, features in
   * natural order and the log-scale bounded by {@code AffineScale.expSoftClamp(2.0)}. Density evaluation is one
   * pass; sampling runs the network once per feature. Stack with {@link #reverse()} or alternate orderings.
   */
  StepsBuilder maf(int... hiddenWidths);

  /** A MAF step visiting the features in {@code order}. */
  StepsBuilder maf(AutoregressiveOrder order, int... hiddenWidths);

  /**
   * A MAF step with the given network, natural order: {@code Conditioners.mlp(widths...)} on a vector (built as a
   * MADE) or {@code Conditioners.pixelCnn(width).layers(n)} on an image (masked convolutions over the pixels in
   * raster order; sampling then runs the network once per pixel, {@code h·w} passes, in a graph while loop).
   */
  StepsBuilder maf(ConditionerSpec conditioner);

  /** A MAF step with the given network visiting the features in {@code order}; images take natural or reversed. */
  StepsBuilder maf(AutoregressiveOrder order, ConditionerSpec conditioner);

  /**
   * An inverse autoregressive flow step (IAF, Kingma et al. 2016) on a vector: the MAF map with the network reading
   * the latent side, {@code x_i = (z_i − t_i(z_<i))·exp(−s_i(z_<i))}. Sampling is one pass; density evaluation runs
   * the network once per feature. Defaults as {@link #maf(int...)}.
   */
  StepsBuilder iaf(int... hiddenWidths);

  /** An IAF step visiting the features in {@code order}. */
  StepsBuilder iaf(AutoregressiveOrder order, int... hiddenWidths);

  /** An IAF step with the given MADE network ({@code Conditioners.mlp}); vectors only. */
  StepsBuilder iaf(ConditionerSpec conditioner);

  /** An IAF step with the given MADE network visiting the features in {@code order}. */
  StepsBuilder iaf(AutoregressiveOrder order, ConditionerSpec conditioner);

  /**
   * A MAF step with another elementwise map than the affine one: {@code Transforms.spline()} gives the
   * autoregressive neural spline flow (Durkan et al. 2019), each feature mapped by a monotone rational-quadratic
   * spline whose {@code 3K − 1} parameters a MADE computes from the features before it; density in one pass,
   * sampling in one pass per feature. Vectors only; {@code Transforms.affine(scale)} is MAF with that scale.
   */
  StepsBuilder maf(AutoregressiveOrder order, ConditionerSpec conditioner, CouplingTransform transform);

  /**
   * An IAF step with another elementwise map: {@code Transforms.spline()} gives the inverse autoregressive spline
   * flow (sampling in one pass, density in one pass per feature). Vectors only.
   */
  StepsBuilder iaf(AutoregressiveOrder order, ConditionerSpec conditioner, CouplingTransform transform);

  /**
   * An emerging convolution (Hoogeboom et al. 2019) on an image: two masked autoregressive {@code k×k}
   * convolutions whose composition sees a full {@code k×k} neighbourhood. Exact log-det; the inverse solves the
   * triangular systems exactly by blocks of pixels, each from its neighbours' facing edges (a few matrix products
   * per factor; what depends only on the kernels is kept between calls while they do not change).
   * {@code kernelSize} must be odd and at least 3.
   */
  StepsBuilder emergingConv(int kernelSize);

  /**
   * A periodic {@code k×k} convolution (Hoogeboom et al. 2019) on an image: circular boundaries, log-det and inverse
   * per frequency in the Fourier domain. {@code kernelSize} must be at least 1 and at most the image's height and
   * width.
   */
  StepsBuilder periodicConv(int kernelSize);
}
