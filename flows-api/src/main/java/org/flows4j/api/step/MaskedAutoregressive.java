package org.flows4j.api.step;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;

/**
 * An affine autoregressive step on a vector, its shift and log-scale computed by a MADE network (Germain et al.,
 * "MADE: Masked Autoencoder for Distribution Estimation", 2015): a fully connected network whose weights are masked
 * so that output {@code i} depends only on the features before {@code i} in {@link #order}. The
 * {@link #direction} says whether the network reads the data side ({@link AutoregressiveDirection#MAF}) or the
 * latent side ({@link AutoregressiveDirection#IAF}); {@link #scale} bounds the log-scale as in an affine coupling.
 *
 * <p>The Jacobian is triangular (in visiting order), so the log-det is exact: {@code Σ log s}. The inverse is exact
 * and closed form too, but one of the two directions is sequential: it runs the network once per feature (unrolled
 * in the graph), so that direction costs {@code d} passes.
 *
 * @param hiddenWidths the MADE's hidden layers (widths of at least {@code d − 1} keep every dependency reachable)
 * @param activation the hidden activation
 * @param order the order in which features are visited
 * @param direction MAF (fast density) or IAF (fast sampling)
 * @param scale how the raw log-scale is bounded
 */
public record MaskedAutoregressive(
    List<Integer> hiddenWidths,
    Activation activation,
    AutoregressiveOrder order,
    AutoregressiveDirection direction,
    AffineScale scale) implements StepSpec {

  public MaskedAutoregressive {
    Preconditions.checkNotNull(hiddenWidths, "hiddenWidths");
    hiddenWidths = ImmutableList.copyOf(hiddenWidths);
    Preconditions.checkNotNull(activation, "activation");
    Preconditions.checkNotNull(order, "order");
    Preconditions.checkNotNull(direction, "direction");
    Preconditions.checkNotNull(scale, "scale");
    Preconditions.checkArgument(!hiddenWidths.isEmpty(), "a MADE network needs at least one hidden width");
    for (int i = 0; i < hiddenWidths.size(); i++) {
      Preconditions.checkArgument(hiddenWidths.get(i) > 0,
          "hidden widths must be positive, but hiddenWidths[%s] was %s", i, hiddenWidths.get(i));
    }
  }

  /** {@code maf} or {@code iaf}, the DSL method that adds the step. */
  @Override
  public String kind() {
    return direction == AutoregressiveDirection.MAF ? "maf" : "iaf";
  }

  @Override
  public List<String> problems(Shape input) {
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    if (!input.isVector()) {
      problems.add(kind() + " needs a vector input, but the input is " + input
          + ". Use affineCoupling with a convNet conditioner for images.");
    } else if (input.dim(0) < 2) {
      problems.add(kind() + " needs at least 2 features to have something to condition on, but the input has 1 "
          + "feature (" + input + "). Use actNorm for a single feature.");
    }
    if (activation == Activation.LIPSWISH) {
      problems.add("LIPSWISH is for residual blocks (it carries a learned β); use RELU, TANH, ELU or SOFTPLUS in "
          + "a MADE network.");
    }
    return problems.build();
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.EXACT;
  }

  /** Closed form; sequential (one network pass per feature) for sampling with MAF and density with IAF. */
  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }
}
