package org.flows4j.examples.plots;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngFilesTest {
  @TempDir Path dir;

  @Test
  void createsMissingParentDirectories() throws IOException {
    Path png = dir.resolve("runs/moons/density.png");

    PngFiles.writeAtomically(png, solid(3, 2, 0x123456));

    assertThat(Pixels.read(png).getRGB(2, 1) & 0xFFFFFF).isEqualTo(0x123456);
  }

  @Test
  void replacesAnExistingFileAndLeavesNoTemporaryFileBehind() throws IOException {
    Path png = dir.resolve("samples.png");
    PngFiles.writeAtomically(png, solid(4, 4, 0xFF0000));

    PngFiles.writeAtomically(png, solid(5, 6, 0x00FF00));

    BufferedImage written = Pixels.read(png);
    assertThat(written.getWidth()).isEqualTo(5);
    assertThat(written.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0x00FF00);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(png);
    }
  }

  private static BufferedImage solid(int width, int height, int rgb) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, rgb);
      }
    }
    return image;
  }
}
