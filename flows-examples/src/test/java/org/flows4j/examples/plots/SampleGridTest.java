package org.flows4j.examples.plots;

import org.flows4j.api.Shape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleGridTest {
  private static final int SEP = SampleGrid.SEPARATOR_PIXELS;

  @TempDir Path dir;

  @Test
  void enlargesSmallImagesToAtLeastFiftySixPixelsByAWholeFactor() {
    assertThat(SampleGrid.scale(28, 28)).isEqualTo(2);
    assertThat(SampleGrid.scale(32, 32)).isEqualTo(2);
    assertThat(SampleGrid.scale(8, 8)).isEqualTo(7);
    assertThat(SampleGrid.scale(4, 5)).isEqualTo(12);
    assertThat(SampleGrid.scale(64, 64)).isEqualTo(1);
  }

  @Test
  void greyscaleImagesLandInTheirCellsWithTheirValues() throws IOException {
    int height = 4;
    int width = 5;
    int pixels = height * width;
    float[] images = new float[3 * pixels];
    Arrays.fill(images, 0, pixels, 1f); // white
    Arrays.fill(images, pixels, 2 * pixels, 0f); // black
    Arrays.fill(images, 2 * pixels, 3 * pixels, 0.25f); // dark grey
    Path png = dir.resolve("grid.png");

    SampleGrid.write(png, images, 3, Shape.of(height, width, 1), 2);

    BufferedImage grid = Pixels.read(png);
    int cellWidth = width * 12;
    int cellHeight = height * 12;
    assertThat(grid.getWidth()).isEqualTo(2 * cellWidth + 3 * SEP);
    assertThat(grid.getHeight()).isEqualTo(2 * cellHeight + 3 * SEP);
    assertCell(grid, 0, 0, cellWidth, cellHeight, 0xFFFFFF);
    assertCell(grid, 0, 1, cellWidth, cellHeight, 0x000000);
    assertCell(grid, 1, 0, cellWidth, cellHeight, 0x404040);
    // The last row is short: its empty cell, like the separators, is the separator grey.
    assertCell(grid, 1, 1, cellWidth, cellHeight, SampleGrid.SEPARATOR_RGB);
    assertThat(rgb(grid, 0, 0)).isEqualTo(SampleGrid.SEPARATOR_RGB);
    assertThat(rgb(grid, SEP + cellWidth, SEP)).isEqualTo(SampleGrid.SEPARATOR_RGB);
    assertThat(rgb(grid, SEP, SEP + cellHeight)).isEqualTo(SampleGrid.SEPARATOR_RGB);
  }

  @Test
  void readsColourImagesAsRowMajorWithInterleavedChannels() throws IOException {
    // One 2 × 3 RGB image, black except pure red at row 0, column 2 and pure blue at row 1, column 0.
    float[] image = new float[2 * 3 * 3];
    image[(0 * 3 + 2) * 3] = 1f;
    image[(1 * 3 + 0) * 3 + 2] = 1f;
    Path png = dir.resolve("rgb.png");

    SampleGrid.write(png, image, 1, Shape.of(2, 3, 3), 1);

    BufferedImage grid = Pixels.read(png);
    int scale = SampleGrid.scale(2, 3);
    assertThat(rgb(grid, SEP + 2 * scale, SEP)).isEqualTo(0xFF0000);
    assertThat(rgb(grid, SEP, SEP + scale)).isEqualTo(0x0000FF);
    assertThat(rgb(grid, SEP, SEP)).isEqualTo(0x000000);
    assertThat(rgb(grid, SEP + 2 * scale - 1, SEP)).isEqualTo(0x000000);
  }

  @Test
  void clampsValuesOutsideTheUnitIntervalAndShowsNanAsMagenta() throws IOException {
    float[] image = {-3f, 7f, Float.NaN, 0.5f};
    Path png = dir.resolve("clamped.png");

    SampleGrid.write(png, image, 1, Shape.of(1, 4, 1), 1);

    BufferedImage grid = Pixels.read(png);
    int scale = SampleGrid.scale(1, 4);
    assertThat(rgb(grid, SEP, SEP)).isEqualTo(0x000000);
    assertThat(rgb(grid, SEP + scale, SEP)).isEqualTo(0xFFFFFF);
    assertThat(rgb(grid, SEP + 2 * scale, SEP)).isEqualTo(SampleGrid.NAN_RGB);
    assertThat(rgb(grid, SEP + 3 * scale, SEP)).isEqualTo(0x808080);
  }

  @Test
  void rejectsAnArrayOfTheWrongLengthEchoingTheArithmetic() {
    assertThatThrownBy(() -> SampleGrid.write(dir.resolve("x.png"), new float[2000], 3, Shape.of(28, 28, 1), 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("images.length must be count * height * width * channels = 3 * 28 * 28 * 1 = 2352, "
            + "but was 2000");
  }

  @Test
  void rejectsChannelCountsOtherThanOneOrThree() {
    assertThatThrownBy(() -> SampleGrid.write(dir.resolve("x.png"), new float[8], 1, Shape.of(2, 2, 2), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("channels must be 1 (greyscale) or 3 (RGB), but was 2");
  }

  @Test
  void rejectsNonPositiveCountAndColumns() {
    assertThatThrownBy(() -> SampleGrid.write(dir.resolve("x.png"), new float[0], 0, Shape.of(2, 2, 1), 1))
        .hasMessage("count must be positive, but was 0");
    assertThatThrownBy(() -> SampleGrid.write(dir.resolve("x.png"), new float[4], 1, Shape.of(2, 2, 1), -4))
        .hasMessage("columns must be positive, but was -4");
  }

  private static void assertCell(BufferedImage grid, int row, int column, int cellWidth, int cellHeight,
      int expectedRgb) {
    int left = SEP + column * (cellWidth + SEP);
    int top = SEP + row * (cellHeight + SEP);
    int wrong = Pixels.count(grid, left, top, left + cellWidth, top + cellHeight, rgb -> rgb != expectedRgb);
    assertThat(wrong).as("pixels in cell (%d, %d) other than %06x", row, column, expectedRgb).isZero();
  }

  private static int rgb(BufferedImage image, int x, int y) {
    return image.getRGB(x, y) & 0xFFFFFF;
  }
}
