package org.flows4j.api.step;

import com.google.common.base.Preconditions;
import java.util.List;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.Shape;

/**
 * An emerging convolution (Hoogeboom, van den Berg and Welling, "Emerging Convolutions for Generative Normalizing
 * Flows", ICML 2019) on an image {@code [h, w, c]}: two autoregressive {@code k×k} convolutions in a row,
 * {@code z = conv(conv(x, K₁ ⊙ M₁), K₂ ⊙ M₂)}. M₁ lets each output see only the inputs before it in raster order
 * over (row, column, channel); M₂ is M₁ flipped, so the composition sees the full {@code k×k} neighbourhood of every
 * position (and, through the product of the two half-kernels, a little beyond it). Each factor's Jacobian is triangular in raster order, so the log-det is exact and does not depend on
 * the input: {@code h·w·Σ_c log|diag|} per factor. The inverse is exact but sequential: back-substitution over the
 * {@code h·w·c} positions, one convolution per position.
 *
 * @param kernelSize the odd kernel size k, at least 3
 */
public record EmergingConv(int kernelSize) implements StepSpec {
  public EmergingConv {
    Preconditions.checkArgument(kernelSize >= 3 && kernelSize % 2 == 1,
        "kernelSize must be odd and at least 3, but was %s", kernelSize);
  }

  @Override
  public String kind() {
    return "emergingConv";
  }

  @Override
  public List<String> problems(Shape input) {
    if (!input.isImage()) {
      return List.of("emergingConv needs an image input [h, w, c], but the input is " + input
          + ". Use invertibleConv1x1 or maf for vectors.");
    }
    if (kernelSize() > ConvNetConditioner.largestUsefulKernel(input)) {
      return List.of(ConvNetConditioner.kernelTooLarge("emergingConv", kernelSize(), input));
    }
    return List.of();
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.CONSTANT;
  }

  /** Exact; sequential in the inverse direction (one convolution per value of the image). */
  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }
}
