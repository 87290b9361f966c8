package org.flows4j.tf.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.FashionMnist.Split;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the real files that Debian's dataset-fashion-mnist package installs (no assumption skips them: if they are
 * missing, these tests fail with the install hint), and small hand-made IDX files damaged one way each.
 */
class FashionMnistTest {

  private static final Path REAL = FashionMnist.DEFAULT_DIRECTORY;
  private static final String TRAIN_IMAGES = "train-images-idx3-ubyte.gz";
  private static final String TRAIN_LABELS = "train-labels-idx1-ubyte.gz";
  private static final int PIXELS = 28 * 28;

  // Pinned from the installed files (computed once with an independent script over the raw bytes):
  // the mean of all 60000 training images is 72.940 of 255; the first 1000 alone average 72.14031.
  private static final double MEAN_OF_FIRST_1000_TRAIN = 72.14031;
  // The first training image is an ankle boot, class 9; so is the first test image.
  private static final int FIRST_TRAIN_LABEL = 9;
  private static final int FIRST_TEST_LABEL = 9;

  private static Images fullTrain;

  @TempDir Path dir;

  /** The whole training set, read once for the tests that need it (188 MB of floats). */
  private static synchronized Images fullTrain() {
    if (fullTrain == null) {
      fullTrain = FashionMnist.load(REAL, Split.TRAIN);
    }
    return fullTrain;
  }

  // ------------------------------------------------------------------ the real files

  @Test
  void trainHas60000ImagesOf28By28By1WithPixelsFrom0To255() {
    Images train = fullTrain();

    assertThat(train.count()).isEqualTo(60_000);
    assertThat(train.shape()).isEqualTo(Shape.of(28, 28, 1));
    assertPixelRange(train.pixels());
  }

  @Test
  void testSplitFromTheDefaultDirectoryHas10000ImagesWithPixelsFrom0To255() {
    Images test = FashionMnist.load(Split.TEST);

    assertThat(test.count()).isEqualTo(10_000);
    assertThat(test.shape()).isEqualTo(Shape.of(28, 28, 1));
    assertPixelRange(test.pixels());
  }

  @Test
  void meanPixelOfTheFirst1000TrainImagesIsThePinnedValue() {
    Images first = FashionMnist.load(REAL, Split.TRAIN, 1000);

    double sum = 0;
    for (float p : first.pixels()) {
      sum += p;
    }
    // The pixels are whole numbers, so the double sum is exact and the band only absorbs the pinned rounding.
    assertThat(sum / first.pixels().length).isCloseTo(MEAN_OF_FIRST_1000_TRAIN, within(1e-4));
  }

  @Test
  void limitReturnsExactlyThePrefixOfAFullRead() {
    Images first = FashionMnist.load(REAL, Split.TRAIN, 2000);

    assertThat(first.count()).isEqualTo(2000);
    assertThat(first.shape()).isEqualTo(Shape.of(28, 28, 1));
    // isEqualTo compares arrays element by element; containsExactly's diff is quadratic in 1.5 million values.
    assertThat(first.pixels()).isEqualTo(fullTrain().first(2000).pixels());
  }

  @Test
  void labelsMatchTheImageCountsAndTheFirstLabelsInTheFiles() {
    int[] train = FashionMnist.labels(REAL, Split.TRAIN);
    int[] test = FashionMnist.labels(REAL, Split.TEST);

    assertThat(train).hasSize(60_000);
    assertThat(test).hasSize(10_000);
    assertThat(train[0]).isEqualTo(FIRST_TRAIN_LABEL);
    assertThat(test[0]).isEqualTo(FIRST_TEST_LABEL);
    // Fashion-MNIST is balanced: every class has exactly a tenth of each split.
    assertThat(histogram(train)).containsOnly(6000);
    assertThat(histogram(test)).containsOnly(1000);
  }

  // ------------------------------------------------------------------ hand-made files

  @Test
  void readsAValidFileWithUnsignedPixelsAndLabels() throws IOException {
    byte[] pixels = pixels(3);
    write(TRAIN_IMAGES, gzip(images(0x803, 3, 28, 28, pixels)));
    write(TRAIN_LABELS, gzip(labels(0x801, 3, new byte[] {0, 9, 5})));

    Images images = FashionMnist.load(dir, Split.TRAIN);

    assertThat(images.count()).isEqualTo(3);
    for (int i = 0; i < pixels.length; i++) {
      assertThat(images.pixels()[i]).isEqualTo((float) (pixels[i] & 0xFF));
    }
    assertThat(images.pixels()).contains(255f).doesNotContain(-1f);
    assertThat(FashionMnist.labels(dir, Split.TRAIN)).containsExactly(0, 9, 5);
  }

  @Test
  void missingFileSaysHowToInstallIt() {
    Path images = dir.resolve(TRAIN_IMAGES);
    Path labels = dir.resolve("t10k-labels-idx1-ubyte.gz");

    assertThatThrownBy(() -> FashionMnist.load(dir, Split.TRAIN))
        .isInstanceOf(DatasetException.class)
        .hasMessage("Fashion-MNIST file " + images + " not found. Install Debian's dataset-fashion-mnist package "
            + "(apt-get install -y dataset-fashion-mnist) or pass the folder that holds the IDX files.");
    assertThatThrownBy(() -> FashionMnist.labels(dir, Split.TEST))
        .isInstanceOf(DatasetException.class)
        .hasMessage("Fashion-MNIST file " + labels + " not found. Install Debian's dataset-fashion-mnist package "
            + "(apt-get install -y dataset-fashion-mnist) or pass the folder that holds the IDX files.");
  }

  @Test
  void plainUncompressedFileIsReportedAsNotGzip() throws IOException {
    Path file = write(TRAIN_IMAGES, images(0x803, 3, 28, 28, pixels(3)));

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "it is not gzip-compressed (expected the gzip signature 1f 8b, found 00 00)");
  }

  @Test
  void emptyFileIsReportedAsNotGzip() throws IOException {
    Path file = write(TRAIN_IMAGES, new byte[0]);

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "it is not gzip-compressed (expected the gzip signature 1f 8b, found an empty file)");
  }

  @Test
  void gzipStreamCutInTheMiddleOfThePixelsSaysHowManyBytesItHeld() throws IOException {
    Path file = write(TRAIN_IMAGES, gzipCutAfter(images(0x803, 3, 28, 28, pixels(3)), 16 + 1000));

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "the pixels end early (expected 2352 bytes for 3 images, found 1000 bytes)");
    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN, 2), file,
        "the pixels end early (expected 1568 bytes for the first 2 of 3 images, found 1000 bytes)");
  }

  @Test
  void limitStopsReadingBeforeDamageFurtherOn() throws IOException {
    byte[] pixels = pixels(3);
    write(TRAIN_IMAGES, gzipCutAfter(images(0x803, 3, 28, 28, pixels), 16 + 1000));

    Images first = FashionMnist.load(dir, Split.TRAIN, 1);

    assertThat(first.count()).isEqualTo(1);
    assertThat(first.pixels()[PIXELS - 1]).isEqualTo((float) (pixels[PIXELS - 1] & 0xFF));
  }

  @Test
  void headerCountingMoreImagesThanTheFileHoldsIsCorrupt() throws IOException {
    Path file = write(TRAIN_IMAGES, gzip(images(0x803, 3, 28, 28, pixels(2))));

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "the pixels end early (expected 2352 bytes for 3 images, found 1568 bytes)");
  }

  @Test
  void dataAfterTheLastImageIsCorruptInAFullReadOnly() throws IOException {
    byte[] body = Arrays.copyOf(pixels(3), 3 * PIXELS + 5);
    Path file = write(TRAIN_IMAGES, gzip(images(0x803, 3, 28, 28, body)));

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "there is data after the last of 3 images (expected the data to end there, found 5 more bytes)");
    assertThat(FashionMnist.load(dir, Split.TRAIN, 3).count()).isEqualTo(3);
  }

  @Test
  void wrongMagicNumberForImagesIsCorrupt() throws IOException {
    Path file = write(TRAIN_IMAGES, gzip(images(0x801, 3, 28, 28, pixels(3))));

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "wrong magic number for an images file (expected 0x00000803, found 0x00000801)");
  }

  @Test
  void wrongImageSizeIsCorrupt() throws IOException {
    Path file = write(TRAIN_IMAGES, gzip(images(0x803, 3, 27, 28, new byte[3 * 27 * 28])));

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "wrong image size (expected 28 × 28 pixels, found 27 × 28 pixels)");
  }

  @Test
  void headerCutShortIsCorrupt() throws IOException {
    byte[] whole = images(0x803, 3, 28, 28, pixels(3));
    Path file = write(TRAIN_IMAGES, gzip(Arrays.copyOf(whole, 6)));

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "it ends inside the IDX header (expected 16 bytes, found 6 bytes)");
  }

  @Test
  void impossibleImageCountIsCorrupt() throws IOException {
    Path file = write(TRAIN_IMAGES, gzip(images(0x803, -1, 28, 28, pixels(3))));

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "the item count is out of range (expected 1 to 2739137, found -1)");
  }

  @Test
  void checksumMismatchIsCorrupt() throws IOException {
    byte[] gz = gzip(images(0x803, 3, 28, 28, pixels(3)));
    gz[gz.length - 8] ^= 0x01; // the first byte of the CRC-32 in the gzip trailer
    Path file = write(TRAIN_IMAGES, gz);

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "its gzip data is damaged (expected intact gzip data, found Corrupt GZIP trailer)");
  }

  @Test
  void missingGzipTrailerIsCorrupt() throws IOException {
    byte[] gz = gzip(images(0x803, 3, 28, 28, pixels(3)));
    Path file = write(TRAIN_IMAGES, Arrays.copyOf(gz, gz.length - 4));

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "the gzip stream is cut short after the last of 3 images (expected the end of the compressed data and an "
            + "8-byte gzip trailer, found the end of the file)");
  }

  @Test
  void labelsWithTheWrongMagicNumberAreCorrupt() throws IOException {
    // An images header where labels belong, as when the two files are swapped.
    Path file = write(TRAIN_LABELS, gzip(images(0x803, 3, 28, 28, pixels(3))));

    assertCorrupt(() -> FashionMnist.labels(dir, Split.TRAIN), file,
        "wrong magic number for a labels file (expected 0x00000801, found 0x00000803)");
  }

  @Test
  void labelOutsideTheTenClassesIsCorrupt() throws IOException {
    Path file = write(TRAIN_LABELS, gzip(labels(0x801, 3, new byte[] {0, 10, 5})));

    assertCorrupt(() -> FashionMnist.labels(dir, Split.TRAIN), file,
        "a label is out of range (expected 0 to 9, found 10 at index 1)");
  }

  @Test
  void labelsEndingEarlyAreCorrupt() throws IOException {
    Path file = write(TRAIN_LABELS, gzip(labels(0x801, 3, new byte[] {0, 1})));

    assertCorrupt(() -> FashionMnist.labels(dir, Split.TRAIN), file,
        "the labels end early (expected 3 bytes for 3 labels, found 2 bytes)");
  }

  @Test
  void limitOutsideTheImagesInTheFileIsRejected() throws IOException {
    Path file = write(TRAIN_IMAGES, gzip(images(0x803, 3, 28, 28, pixels(3))));

    assertThatThrownBy(() -> FashionMnist.load(dir, Split.TRAIN, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("limit must be positive, but was 0");
    assertThatThrownBy(() -> FashionMnist.load(dir, Split.TRAIN, 4))
        .isInstanceOf(DatasetException.class)
        .hasMessage("Fashion-MNIST file " + file + " holds 3 images, fewer than the 4 asked for. Ask for at most 3, "
            + "or point at a folder with the full files.");
  }

  @Test
  void headerClaimingMillionsOfImagesInASmallFileIsRefusedBeforeAllocating() throws IOException {
    // The header says 2.7 M images (8.6 GB as floats); the file holds 10. Refused from the file's length alone:
    // reading first would allocate the whole claim, which the surefire JVM's heap cannot hold.
    Path file = write(TRAIN_IMAGES, gzip(images(0x803, 2_700_000, 28, 28, pixels(10))));
    long compressed = Files.size(file);

    assertCorrupt(() -> FashionMnist.load(dir, Split.TRAIN), file,
        "its header claims more data than the file can hold (expected at most " + compressed * 1032 + " bytes from "
            + compressed + " compressed bytes, found " + (16 + 2_700_000L * PIXELS) + " bytes for 2700000 images)");
  }

  @Test
  void unreadableFileNamesItAndTheCause() throws IOException {
    Path file = Files.createDirectory(dir.resolve(TRAIN_IMAGES));

    assertThatThrownBy(() -> FashionMnist.load(dir, Split.TRAIN))
        .isInstanceOf(DatasetException.class)
        .hasMessageStartingWith("Could not read Fashion-MNIST file " + file + " (java.io.IOException: ")
        .hasMessageEndingWith("). Check that it is a readable file.")
        .hasCauseInstanceOf(IOException.class);
  }

  // ------------------------------------------------------------------ helpers

  private static void assertPixelRange(float[] pixels) {
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    boolean whole = true;
    for (float p : pixels) {
      min = Math.min(min, p);
      max = Math.max(max, p);
      whole &= p == Math.rint(p);
    }
    assertThat(min).isEqualTo(0f);
    assertThat(max).isEqualTo(255f);
    assertThat(whole).as("every pixel is a whole number").isTrue();
  }

  private static int[] histogram(int[] labels) {
    int[] counts = new int[10];
    for (int label : labels) {
      counts[label]++;
    }
    return counts;
  }

  private void assertCorrupt(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Path file, String what) {
    assertThatThrownBy(call)
        .isInstanceOf(DatasetException.class)
        .hasMessage("Fashion-MNIST file " + file + " is corrupt: " + what + ". Reinstall the package "
            + "(apt-get install --reinstall dataset-fashion-mnist) or replace the file.");
  }

  private Path write(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  /** {@code count} images of varied pixels, including 0 and 255. */
  private static byte[] pixels(int count) {
    byte[] pixels = new byte[count * PIXELS];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (byte) (i * 7);
    }
    return pixels;
  }

  private static byte[] images(int magic, int count, int rows, int columns, byte[] body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    out.writeInt(count);
    out.writeInt(rows);
    out.writeInt(columns);
    out.write(body);
    return bytes.toByteArray();
  }

  private static byte[] labels(int magic, int count, byte[] body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    out.writeInt(count);
    out.write(body);
    return bytes.toByteArray();
  }

  private static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
      out.write(data);
    }
    return bytes.toByteArray();
  }

  /**
   * The gzip of {@code data}, cut off right after its first {@code keep} bytes: a sync flush there makes exactly
   * those bytes decodable from the kept prefix, whatever zlib's block layout, so the message's count is exact.
   */
  private static byte[] gzipCutAfter(byte[] data, int keep) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int cut;
    try (GZIPOutputStream out = new GZIPOutputStream(bytes, true)) {
      out.write(data, 0, keep);
      out.flush();
      cut = bytes.size();
      out.write(data, keep, data.length - keep);
    }
    return Arrays.copyOf(bytes.toByteArray(), cut);
  }
}
