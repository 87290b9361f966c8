package org.flows4j.examples.plots;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.IntPredicate;
import javax.imageio.ImageIO;

/** Reading written PNGs back, and the colour tests the plot tests share. */
final class Pixels {
  private Pixels() {}

  static BufferedImage read(Path png) throws IOException {
    BufferedImage image = ImageIO.read(png.toFile());
    if (image == null) {
      throw new IOException("not an image ImageIO can read: " + png);
    }
    return image;
  }

  static int red(int rgb) {
    return (rgb >> 16) & 0xFF;
  }

  static int green(int rgb) {
    return (rgb >> 8) & 0xFF;
  }

  static int blue(int rgb) {
    return rgb & 0xFF;
  }

  /** Perceived brightness (Rec. 709 weights), 0 to 255. */
  static double luminance(int rgb) {
    return 0.2126 * red(rgb) + 0.7152 * green(rgb) + 0.0722 * blue(rgb);
  }

  /** How far from grey: chart chrome (white, black text, grey lines) has none, viridis and series colours do. */
  static int chroma(int rgb) {
    int max = Math.max(red(rgb), Math.max(green(rgb), blue(rgb)));
    int min = Math.min(red(rgb), Math.min(green(rgb), blue(rgb)));
    return max - min;
  }

  /** Counts pixels in [x0, x1) × [y0, y1) that pass {@code test}. */
  static int count(BufferedImage image, int x0, int y0, int x1, int y1, IntPredicate test) {
    int count = 0;
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        if (test.test(image.getRGB(x, y) & 0xFFFFFF)) {
          count++;
        }
      }
    }
    return count;
  }

  static boolean samePixels(BufferedImage a, BufferedImage b) {
    if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
      return false;
    }
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        if (a.getRGB(x, y) != b.getRGB(x, y)) {
          return false;
        }
      }
    }
    return true;
  }
}
