package org.flows4j.examples.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Reads a written PNG back, failing clearly when it is not one. */
final class Images {
  private Images() {}

  static BufferedImage read(Path png) throws IOException {
    BufferedImage image = ImageIO.read(png.toFile());
    if (image == null) {
      throw new IOException("not an image ImageIO can read: " + png);
    }
    return image;
  }
}
