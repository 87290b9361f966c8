package org.flows4j.api.step;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.flows4j.api.transform.AffineTransform;
import org.flows4j.api.transform.CouplingTransform;
import org.flows4j.api.transform.RationalQuadraticSpline;

/**
 * An autoregressive step, {@code z_i = τ(x_i; θ_i)} with θ_i computed from the features before {@code i} and τ
 * the elementwise {@link #transform}: affine, {@code z_i = x_i·exp(s_i) + t_i} with the log-scale bounded as in an
 * affine coupling ({@link AffineTransform}, MAF and IAF as published), or a monotone rational-quadratic spline
 * ({@link RationalQuadraticSpline}: the autoregressive neural spline flow of Durkan et al. 2019, vectors only). The
 * {@link #direction} says whether the network reads the data side ({@link AutoregressiveDirection#MAF}) or the
 * latent side ({@link AutoregressiveDirection#IAF}). The network depends on the input:
 *
 * <ul>
 *   <li>a vector {@code [d]}: an {@link MlpConditioner mlp} conditioner, built as a MADE (Germain et al., "MADE:
 *       Masked Autoencoder for Distribution Estimation", 2015), a fully connected network whose weights are masked
 *       so that output {@code i} depends only on the features before {@code i} in {@link #order};
 *   <li>an image {@code [h, w, c]}: a {@link PixelCnnConditioner pixelCnn} conditioner, masked convolutions over
 *       the pixels in raster order ({@code natural()}, or {@code reversed()}: the image turned by 180°); each
 *       pixel's channels depend on every channel of the pixels before it, none of its own. MAF only.
 * </ul>
 *
 * <p>The Jacobian is triangular (in visiting order), so the log-det is exact: the sum of the log-derivatives
 * ({@code Σ log s} for the affine map). The inverse is exact
 * and closed form too, but one of the two directions is sequential: it runs the network once per feature (vectors:
 * unrolled in the graph) or once per pixel (images: a graph while loop, whose result carries no gradient), so that
 * direction costs {@code d} or {@code h·w} network passes.
 *
 * @param conditioner the MADE's widths and activation ({@code mlp}) or the masked convolutions ({@code pixelCnn});
 *     MADE widths of at least {@code d − 1} keep every dependency reachable
 * @param order the order in which features are visited
 * @param direction MAF (fast density) or IAF (fast sampling)
 * @param transform the elementwise map: {@link AffineTransform} or {@link RationalQuadraticSpline}
 */
public record MaskedAutoregressive(
    ConditionerSpec conditioner,
    AutoregressiveOrder order,
    AutoregressiveDirection direction,
    CouplingTransform transform) implements StepSpec {

  public MaskedAutoregressive {
    Preconditions.checkNotNull(conditioner, "conditioner");
    Preconditions.checkNotNull(order, "order");
    Preconditions.checkNotNull(direction, "direction");
    Preconditions.checkNotNull(transform, "transform");
  }

  /** The affine step of MAF and IAF with the log-scale bounded by {@code scale}. */
  public MaskedAutoregressive(
      ConditionerSpec conditioner, AutoregressiveOrder order, AutoregressiveDirection direction, AffineScale scale) {
    this(conditioner, order, direction, new AffineTransform(Preconditions.checkNotNull(scale, "scale")));
  }

  /**
   * The bound on the log-scale of the affine map.
   *
   * @throws IllegalStateException when the transform is not affine
   */
  public AffineScale scale() {
    if (transform instanceof AffineTransform affine) {
      return affine.scale();
    }
    throw new IllegalStateException(kind() + " with a " + transform.kind() + " transform has no affine scale");
  }

  /** {@code maf} or {@code iaf}, the DSL method that adds the step. */
  @Override
  public String kind() {
    return direction == AutoregressiveDirection.MAF ? "maf" : "iaf";
  }

  @Override
  public List<String> problems(Shape input) {
    // The maps of the published autoregressive flows. Additive is affine with s = 1 (use affine); a mixture of
    // logistics inverts by bisection, which inside the d sequential sweeps would cost d bisections per pass.
    if (!(transform instanceof AffineTransform) && !(transform instanceof RationalQuadraticSpline)) {
      return List.of(kind() + " takes an affine or a rationalQuadraticSpline transform, but got "
          + transform.kind() + ".");
    }
    if (input.isVector()) {
      return vectorProblems(input);
    }
    if (input.isImage()) {
      return imageProblems(input);
    }
    return List.of(kind() + " needs a vector input [d] or an image input [height, width, channels], but the input "
        + "is " + input + ".");
  }

  private List<String> vectorProblems(Shape input) {
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    if (!(conditioner instanceof MlpConditioner mlp)) {
      problems.add(kind() + " on a vector needs a MADE network, " + kind() + "(hiddenWidths...) or "
          + kind() + "(Conditioners.mlp(hiddenWidths...)), but the input " + input + " got "
          + describe(conditioner) + ".");
      return problems.build();
    }
    if (input.dim(0) < 2) {
      problems.add(kind() + " needs at least 2 features to have something to condition on, but the input has 1 "
          + "feature (" + input + "). Use actNorm for a single feature.");
    }
    if (mlp.activation() == Activation.LIPSWISH) {
      problems.add("LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in "
          + "a MADE network.");
    }
    return problems.build();
  }

  private List<String> imageProblems(Shape input) {
    if (transform instanceof RationalQuadraticSpline) {
      return List.of(kind() + " with a spline transform is for vectors (a MADE), but the input is " + input
          + ". On images use spline couplings, splineCoupling(mask, Conditioners.convNet(width)).");
    }
    if (direction == AutoregressiveDirection.IAF) {
      // Its density pass would be the per-pixel while loop, whose outputs carry no gradient: it could not train.
      return List.of("iaf is not supported on an image (" + input + "): its density pass would run pixel by "
          + "pixel in a graph loop that carries no gradient, so it could not be trained. Use "
          + "maf(Conditioners.pixelCnn(width).layers(n)), whose density pass is one network evaluation.");
    }
    if (!(conditioner instanceof PixelCnnConditioner pixelCnn)) {
      return List.of("maf on an image needs masked convolutions, maf(Conditioners.pixelCnn(width).layers(n)), but "
          + "the input " + input + " got " + describe(conditioner) + ".");
    }
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    if (order.kind() == AutoregressiveOrder.Kind.RANDOM) {
      problems.add(kind() + " on an image visits the pixels in raster order, natural() or reversed(), but the "
          + "order is random(" + order.seed() + ").");
    }
    if (input.dim(0) * input.dim(1) < 2) {
      problems.add(kind() + " needs at least 2 pixels to have something to condition on, but the input is "
          + input + ". Use actNorm or invertibleConv1x1 for a single pixel.");
    }
    problems.addAll(pixelCnn.problems(input));
    return problems.build();
  }

  /** What the conditioner is and what it is for, in the DSL's words. */
  private static String describe(ConditionerSpec conditioner) {
    // Java 17 has no pattern switch; keep this chain in the order of ConditionerSpec's permits clause.
    if (conditioner instanceof MlpConditioner) {
      return "an mlp conditioner (a MADE, for vectors)";
    } else if (conditioner instanceof ConvNetConditioner) {
      return "a convNet conditioner (for couplings)";
    } else if (conditioner instanceof AttentionConvNetConditioner) {
      return "a flowPlusPlus conditioner (for couplings)";
    }
    return "a pixelCnn conditioner (for images)";
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.EXACT;
  }

  /**
   * Closed form; sequential for sampling with MAF (vectors: the MADE's sweeps in a graph loop; images: one wavefront
   * of pixels per loop iteration from cached features) and for density with IAF (one MADE pass per feature).
   */
  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }
}
