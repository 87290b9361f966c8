package org.flows4j.examples.plots;

import org.flows4j.api.Shape;
import static com.google.common.base.Preconditions.checkArgument;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A grid of image samples (from a model or a data set) as one PNG. This is a picture of pixels, not a chart,
 * so it is painted directly rather than through XChart.
 */
public final class SampleGrid {
  /** Small images are enlarged by a whole factor until their longer side has at least this many pixels. */
  static final int MIN_CELL_PIXELS = 56;

  /** Width of the lines between (and around) the cells. */
  static final int SEPARATOR_PIXELS = 2;

  /**
   * Mid grey, so the separators stand out against both dark backgrounds (MNIST digits) and light ones, and
   * the empty cells at the end of a short last row read as "no image" rather than as a black or white sample.
   */
  static final int SEPARATOR_RGB = 0x808080;

  /**
   * Magenta for NaN values: a diverged model produces NaN, and clamping it to black or white would hide that
   * behind something that looks like a plausible image.
   */
  static final int NAN_RGB = 0xFF00FF;

  private SampleGrid() {}

  /**
   * Writes {@code count} images as a grid with {@code columns} cells per row, filled row by row.
   *
   * @param images the images back to back, each row-major with interleaved channels (NHWC); values in [0, 1],
   *     values outside it are clamped
   * @param imageShape {@code [height, width, channels]} of one image, with 1 channel (greyscale) or 3 (RGB)
   */
  public static void write(Path png, float[] images, int count, Shape imageShape, int columns) throws IOException {
    checkArgument(imageShape.rank() == 3, "imageShape must be [height, width, channels], but was %s", imageShape);
    int height = imageShape.dim(0);
    int width = imageShape.dim(1);
    int channels = imageShape.dim(2);
    checkArgument(count > 0, "count must be positive, but was %s", count);
    checkArgument(height > 0, "height must be positive, but was %s", height);
    checkArgument(width > 0, "width must be positive, but was %s", width);
    checkArgument(channels == 1 || channels == 3, "channels must be 1 (greyscale) or 3 (RGB), but was %s",
        channels);
    checkArgument(columns > 0, "columns must be positive, but was %s", columns);
    long expected = (long) count * height * width * channels;
    checkArgument(images.length == expected,
        "images.length must be count * height * width * channels = %s * %s * %s * %s = %s, but was %s",
        count, height, width, channels, expected, images.length);
    PngFiles.writeAtomically(png, render(images, count, height, width, channels, columns));
  }

  /** The whole-number enlargement that brings an image of this size up to {@link #MIN_CELL_PIXELS}. */
  static int scale(int height, int width) {
    int longer = Math.max(height, width);
    return Math.max(1, (MIN_CELL_PIXELS + longer - 1) / longer);
  }

  private static BufferedImage render(float[] images, int count, int height, int width, int channels,
      int columns) {
    int scale = scale(height, width);
    int rows = (count + columns - 1) / columns;
    int cellWidth = width * scale;
    int cellHeight = height * scale;
    BufferedImage grid = new BufferedImage(
        Math.toIntExact(columns * (long) cellWidth + (columns + 1L) * SEPARATOR_PIXELS),
        Math.toIntExact(rows * (long) cellHeight + (rows + 1L) * SEPARATOR_PIXELS),
        BufferedImage.TYPE_INT_RGB);
    fill(grid, SEPARATOR_RGB);
    int pixelsPerImage = height * width * channels;
    for (int image = 0; image < count; image++) {
      int left = SEPARATOR_PIXELS + (image % columns) * (cellWidth + SEPARATOR_PIXELS);
      int top = SEPARATOR_PIXELS + (image / columns) * (cellHeight + SEPARATOR_PIXELS);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int offset = image * pixelsPerImage + (y * width + x) * channels;
          int rgb = channels == 1 ? grey(images[offset]) : rgb(images[offset], images[offset + 1],
              images[offset + 2]);
          for (int dy = 0; dy < scale; dy++) {
            for (int dx = 0; dx < scale; dx++) {
              grid.setRGB(left + x * scale + dx, top + y * scale + dy, rgb);
            }
          }
        }
      }
    }
    return grid;
  }

  private static int grey(float value) {
    if (Float.isNaN(value)) {
      return NAN_RGB;
    }
    int level = level(value);
    return level << 16 | level << 8 | level;
  }

  private static int rgb(float red, float green, float blue) {
    if (Float.isNaN(red) || Float.isNaN(green) || Float.isNaN(blue)) {
      return NAN_RGB;
    }
    return level(red) << 16 | level(green) << 8 | level(blue);
  }

  private static int level(float value) {
    return Math.round(Math.max(0f, Math.min(1f, value)) * 255f);
  }

  private static void fill(BufferedImage image, int rgb) {
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        image.setRGB(x, y, rgb);
      }
    }
  }
}
