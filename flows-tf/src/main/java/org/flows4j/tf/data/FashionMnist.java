package org.flows4j.tf.data;

import com.google.common.base.Preconditions;
import com.google.common.io.CountingInputStream;
import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.flows4j.api.Shape;

/**
 * Fashion-MNIST (Xiao, Rasul &amp; Vollgraf, 2017): 28×28 grey-scale pictures of ten kinds of clothing, 60000 to
 * train on and 10000 to test on, read from the four gzip-compressed IDX files that Debian's
 * {@code dataset-fashion-mnist} package installs in {@link #DEFAULT_DIRECTORY}.
 *
 * <p>Every header field is checked against what Fashion-MNIST must hold, so a damaged, truncated or wrong file
 * fails with a {@link DatasetException} that names it, rather than yielding shifted pixels that would only show
 * up as a strange loss.
 */
public final class FashionMnist {
  /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
  public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");

  // IDX magic numbers: two zero bytes, the element type (0x08, unsigned byte), then the number of dimensions.
  private static final int IMAGES_MAGIC = 0x00000803;
  private static final int LABELS_MAGIC = 0x00000801;
  private static final int ROWS = 28;
  private static final int COLUMNS = 28;
  private static final int PIXELS = ROWS * COLUMNS;
  private static final int CLASSES = 10;
  // The most images whose pixels fit in one int-indexed float[]. A count beyond it can only be a damaged header,
  // and rejecting it early avoids an OutOfMemoryError instead of a message.
  private static final int MAX_COUNT = Integer.MAX_VALUE / PIXELS;
  private static final int BUFFER = 1 << 16;
  /** Deflate's largest expansion: 258 bytes from about 2 bits, so at most 1032 bytes out per byte in. */
  private static final long MAX_DEFLATE_RATIO = 1032;
  private static final int WHOLE_FILE = -1;

  /** The two halves of the dataset, named by the prefix of their files. */
  public enum Split {
    TRAIN("train"),
    TEST("t10k");

    private final String prefix;

    Split(String prefix) {
      this.prefix = prefix;
    }

    private Path images(Path directory) {
      return directory.toAbsolutePath().resolve(prefix + "-images-idx3-ubyte.gz");
    }

    private Path labels(Path directory) {
      return directory.toAbsolutePath().resolve(prefix + "-labels-idx1-ubyte.gz");
    }
  }

  private FashionMnist() {}

  /** All images of {@code split} from {@link #DEFAULT_DIRECTORY}; see {@link #load(Path, Split)}. */
  public static Images load(Split split) {
    return load(DEFAULT_DIRECTORY, split);
  }

  /**
   * All images of {@code split} (60000 for training, 10000 for testing; the training set takes 188 MB as floats),
   * shape {@code [28, 28, 1]}, pixel values 0–255. The whole file is read, so its gzip checksum and the absence of
   * data after the last image are checked too.
   *
   * @throws DatasetException if the file is missing, unreadable or not a valid Fashion-MNIST images file
   */
  public static Images load(Path directory, Split split) {
    return readImages(split.images(directory), WHOLE_FILE);
  }

  /**
   * The first {@code limit} images of {@code split}. Reading stops after them, so a quick run pays only for what it
   * uses; the rest of the file, and therefore its gzip checksum, is not checked.
   *
   * @throws IllegalArgumentException if {@code limit} is not in {@code [1, number of images in the file]}
   * @throws DatasetException if the file is missing, unreadable or damaged in its header or first images
   */
  public static Images load(Path directory, Split split, int limit) {
    Preconditions.checkArgument(limit > 0, "limit must be positive, but was %s", limit);
    return readImages(split.images(directory), limit);
  }

  /**
   * The class (0–9) of every image of {@code split}, in file order: 0 T-shirt/top, 1 trouser, 2 pullover,
   * 3 dress, 4 coat, 5 sandal, 6 shirt, 7 sneaker, 8 bag, 9 ankle boot.
   *
   * @throws DatasetException if the file is missing, unreadable or not a valid Fashion-MNIST labels file
   */
  public static int[] labels(Path directory, Split split) {
    Path file = split.labels(directory);
    try (InputStream raw = Files.newInputStream(file);
        IdxFile idx = IdxFile.gunzip(file, raw)) {
      int count = idx.header(LABELS_MAGIC, "a labels file", 1)[0];
      byte[] bytes = new byte[count];
      idx.readFully(bytes, count, "the labels end early", count + " bytes for " + count + " labels");
      idx.expectEnd("the last of " + count + " labels");
      int[] labels = new int[count];
      for (int i = 0; i < count; i++) {
        labels[i] = bytes[i] & 0xFF;
        if (labels[i] >= CLASSES) {
          throw corrupt(file, "a label is out of range", "0 to " + (CLASSES - 1), labels[i] + " at index " + i);
        }
      }
      return labels;
    } catch (IOException e) {
      throw failure(file, e);
    }
  }

  private static Images readImages(Path file, int limit) {
    try (InputStream raw = Files.newInputStream(file);
        IdxFile idx = IdxFile.gunzip(file, raw)) {
      int[] sizes = idx.header(IMAGES_MAGIC, "an images file", 3);
      int count = sizes[0];
      if (sizes[1] != ROWS || sizes[2] != COLUMNS) {
        throw corrupt(file, "wrong image size", ROWS + " × " + COLUMNS + " pixels",
            sizes[1] + " × " + sizes[2] + " pixels");
      }
      if (limit > count) {
        throw new DatasetException("Fashion-MNIST file " + file + " holds " + count + " images, fewer than the "
            + limit + " asked for. Ask for at most " + count + ", or point at a folder with the full files.");
      }
      idx.checkBodyFits((long) (limit == WHOLE_FILE ? count : limit) * PIXELS, count + " images");
      int n = limit == WHOLE_FILE ? count : limit;
      float[] pixels = new float[n * PIXELS];
      String expected = pixels.length + " bytes for " + (n == count ? "" : "the first " + n + " of ") + count
          + " images";
      byte[] chunk = new byte[Math.min(pixels.length, BUFFER)];
      for (int done = 0; done < pixels.length; ) {
        int length = Math.min(chunk.length, pixels.length - done);
        idx.readFully(chunk, length, "the pixels end early", expected);
        for (int i = 0; i < length; i++) {
          pixels[done + i] = chunk[i] & 0xFF; // IDX bytes are unsigned: 0xFF is white (255), not -1
        }
        done += length;
      }
      if (limit == WHOLE_FILE) {
        idx.expectEnd("the last of " + count + " images");
      }
      return new Images(pixels, n, Shape.of(ROWS, COLUMNS, 1));
    } catch (IOException e) {
      throw failure(file, e);
    }
  }

  /** Turns an I/O failure into a message that says which file and what to do about it. */
  private static DatasetException failure(Path file, IOException e) {
    if (e instanceof NoSuchFileException) {
      return new DatasetException("Fashion-MNIST file " + file + " not found. Install Debian's "
          + "dataset-fashion-mnist package (apt-get install -y dataset-fashion-mnist) or pass the folder that holds "
          + "the IDX files.", e);
    }
    if (e instanceof ZipException) { // bad deflate data or a checksum mismatch, found while inflating
      return corrupt(file, "its gzip data is damaged", "intact gzip data", String.valueOf(e.getMessage()));
    }
    return new DatasetException("Could not read Fashion-MNIST file " + file + " (" + e + "). Check that it is a "
        + "readable file.", e);
  }

  private static DatasetException corrupt(Path file, String what, String expected, String found) {
    return new DatasetException("Fashion-MNIST file " + file + " is corrupt: " + what + " (expected " + expected
        + ", found " + found + "). Reinstall the package (apt-get install --reinstall dataset-fashion-mnist) or "
        + "replace the file.");
  }

  /**
   * An open gzip-compressed IDX file. It counts the bytes it inflates, so a file that ends early can say how much
   * it held; a truncated gzip stream and a short IDX body both surface as {@link EOFException} and are reported
   * the same way.
   */
  private static final class IdxFile implements Closeable {
    private final Path file;
    private final CountingInputStream counted;
    private final DataInputStream in;
    private long headerBytes;

    private IdxFile(Path file, CountingInputStream counted) {
      this.file = file;
      this.counted = counted;
      this.in = new DataInputStream(counted);
    }

    /** Checks the gzip signature first, because GZIPInputStream's own "Not in GZIP format" names no file. */
    static IdxFile gunzip(Path file, InputStream raw) throws IOException {
      BufferedInputStream buffered = new BufferedInputStream(raw, BUFFER);
      buffered.mark(2);
      int first = buffered.read();
      int second = buffered.read();
      buffered.reset();
      if (first != 0x1f || second != 0x8b) {
        String found = first < 0 ? "an empty file" : second < 0 ? "a 1-byte file"
            : String.format("%02x %02x", first, second);
        throw corrupt(file, "it is not gzip-compressed", "the gzip signature 1f 8b", found);
      }
      try {
        return new IdxFile(file, new CountingInputStream(new GZIPInputStream(buffered, BUFFER)));
      } catch (EOFException e) {
        throw corrupt(file, "it ends inside the gzip header", "at least 10 bytes", Files.size(file) + " bytes");
      }
    }

    /** Reads and checks the magic number and the item count; returns the sizes, the count first. */
    int[] header(int magic, String kind, int dimensions) throws IOException {
      int[] sizes = new int[dimensions];
      try {
        int found = in.readInt();
        if (found != magic) {
          throw corrupt(file, "wrong magic number for " + kind, hex(magic), hex(found));
        }
        for (int d = 0; d < dimensions; d++) {
          sizes[d] = in.readInt();
        }
      } catch (EOFException e) {
        throw corrupt(file, "it ends inside the IDX header", 4 * (dimensions + 1) + " bytes",
            counted.getCount() + " bytes");
      }
      headerBytes = counted.getCount();
      if (sizes[0] < 1 || sizes[0] > MAX_COUNT) {
        throw corrupt(file, "the item count is out of range", "1 to " + MAX_COUNT, String.valueOf(sizes[0]));
      }
      return sizes;
    }

    /**
     * Checks, before anything is allocated for them, that {@code bytes} of body can be in the file: a header that
     * claims millions of images in a file holding ten must not cost gigabytes. Deflate cannot expand data more than
     * 1032-fold, so the compressed length bounds what the file can hold.
     */
    void checkBodyFits(long bytes, String claimed) throws IOException {
      long bound = Files.size(file) * MAX_DEFLATE_RATIO;
      if (headerBytes + bytes > bound) {
        throw corrupt(file, "its header claims more data than the file can hold", "at most " + bound + " bytes "
            + "from " + Files.size(file) + " compressed bytes", headerBytes + bytes + " bytes for " + claimed);
      }
    }

    /** Fills {@code into[0, length)}; {@code expected} says how much the body should hold, for the message. */
    void readFully(byte[] into, int length, String what, String expected) throws IOException {
      try {
        in.readFully(into, 0, length);
      } catch (EOFException e) {
        throw corrupt(file, what, expected, counted.getCount() - headerBytes + " bytes");
      }
    }

    /** After a whole-file read: nothing may follow, and reaching the end makes GZIPInputStream check its CRC. */
    void expectEnd(String last) throws IOException {
      long extra;
      try {
        extra = in.transferTo(OutputStream.nullOutputStream());
      } catch (EOFException e) {
        throw corrupt(file, "the gzip stream is cut short after " + last,
            "the end of the compressed data and an 8-byte gzip trailer", "the end of the file");
      }
      if (extra > 0) {
        throw corrupt(file, "there is data after " + last, "the data to end there", extra + " more bytes");
      }
    }

    private static String hex(int value) {
      return String.format("0x%08x", value);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
