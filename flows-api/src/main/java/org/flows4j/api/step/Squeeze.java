package org.flows4j.api.step;

import com.google.common.base.Preconditions;
import java.util.List;
import org.flows4j.api.Shape;

/** Space-to-depth: {@code [h, w, c] → [h/f, w/f, c·f²]}. Volume preserving. */
public record Squeeze(int factor) implements StepSpec {
  public Squeeze {
    Preconditions.checkArgument(factor >= 2, "squeeze factor must be at least 2, but was %s", factor);
  }

  @Override
  public String kind() {
    return "squeeze";
  }

  @Override
  public Shape outputShape(Shape input) {
    return Shape.of(input.dim(0) / factor, input.dim(1) / factor, input.dim(2) * factor * factor);
  }

  @Override
  public boolean preservesShape() {
    return false;
  }

  @Override
  public List<String> problems(Shape input) {
    if (!input.isImage()) {
      return List.of("squeeze needs an image input [height, width, channels], but the input is " + input + ".");
    }
    if (input.dim(0) % factor != 0 || input.dim(1) % factor != 0) {
      return List.of("height and width must be divisible by the factor " + factor + ", but the input is " + input
          + ". Crop or pad the data, or use fewer squeezes.");
    }
    return List.of();
  }

  @Override
  public LogDetKind logDetKind() {
    return LogDetKind.ZERO;
  }

  @Override
  public InverseKind inverseKind() {
    return InverseKind.ANALYTIC;
  }
}
