package org.flows4j.api.step;

import com.google.common.base.Preconditions;
import java.util.List;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.Shape;

/**
 * An emerging convolution (Hoogeboom, van den Berg and Welling, "Emerging Convolutions for Generative Normalizing
 * Flows", ICML 2019) on an image {@code [h, w, c]}, as the paper and the authors' code build it: two
 * autoregressive convolutions in a row and a bias, {@code z = conv(conv(x, W₁ ⊙ M₁), W₂ ⊙ M₂) + b}, whose masks
 * keep square {@code ((k+1)/2)×((k+1)/2)} kernels: M₁ the taps at and below-right of the centre (channels
 * {@code i ≤ o} at the centre), M₂ the same mask flipped along every axis. Their composition has exactly the
 * receptive field of a {@code k×k} convolution. Each factor's Jacobian is triangular, with the centre tap's
 * diagonal {@code W[c, c, o, o]} (learned weights) on its diagonal, so the log-det is exact and does not depend on
 * the input: {@code h·w·Σ_o log|W[c, c, o, o]|} per factor. The inverse is exact but sequential:
 * back-substitution over the {@code h·w·c} positions, one convolution per position.
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
