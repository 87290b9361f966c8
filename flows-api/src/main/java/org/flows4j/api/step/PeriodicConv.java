package org.flows4j.api.step;

import com.google.common.base.Preconditions;
import java.util.List;
import org.flows4j.api.Shape;

/**
 * A periodic convolution (Hoogeboom, van den Berg and Welling, "Emerging Convolutions for Generative Normalizing
 * Flows", ICML 2019) on an image {@code [h, w, c]}: a full {@code k×k} convolution with a {@code [k, k, c, c]}
 * kernel and circular boundaries. In the Fourier domain it is one {@code c×c} matrix {@code K̂(u, v)} per frequency,
 * so the log-det is {@code Σ_{u,v} log|det K̂(u, v)|} (exact, independent of the input) and the inverse is a
 * {@code c×c} solve per frequency.
 *
 * @param kernelSize the kernel size k, at least 1 and at most {@code min(h, w)}
 */
public record PeriodicConv(int kernelSize) implements StepSpec {
  public PeriodicConv {
    Preconditions.checkArgument(kernelSize >= 1, "kernelSize must be at least 1, but was %s", kernelSize);
  }

  @Override
  public String kind() {
    return "periodicConv";
  }

  @Override
  public List<String> problems(Shape input) {
    if (!input.isImage()) {
      return List.of("periodicConv needs an image input [h, w, c], but the input is " + input
          + ". Use invertibleConv1x1 for vectors.");
    }
    if (kernelSize > Math.min(input.dim(0), input.dim(1))) {
      return List.of("periodicConv's kernel must fit in the image (kernelSize ≤ min(h, w)), but kernelSize was "
          + kernelSize + " and the input is " + input + ". Use a smaller kernel or move the step before squeeze().");
    }
    return List.of();
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.CONSTANT;
  }

  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }
}
