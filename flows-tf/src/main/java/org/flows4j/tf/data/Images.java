package org.flows4j.tf.data;

import com.google.common.base.Preconditions;
import org.flows4j.api.Shape;

/**
 * A set of images in memory: {@code count} examples of {@code shape} ({@code [height, width, channels]}), pixel
 * values 0–255 as floats, row-major NHWC.
 */
public record Images(float[] pixels, int count, Shape shape) {
  public Images {
    Preconditions.checkArgument(pixels.length == (long) count * shape.size(),
        "%s images of shape %s need %s values, but got %s", count, shape, (long) count * shape.size(),
        pixels.length);
  }

  /** The first {@code n} images. */
  public Images first(int n) {
    Preconditions.checkArgument(n > 0 && n <= count, "n must be in [1, %s], but was %s", count, n);
    float[] head = new float[n * shape.size()];
    System.arraycopy(pixels, 0, head, 0, head.length);
    return new Images(head, n, shape);
  }
}
