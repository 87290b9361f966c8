package org.flows4j.tf.data;

// TEMPORARY STAND-IN (flows-examples scaffolding): delete once flows-tf's FashionMnist is installed.

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.flows4j.api.Shape;

public final class FashionMnist {
  public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");

  public enum Split { TRAIN, TEST }

  private FashionMnist() {}

  public static Images load(Path directory, Split split, int limit) {
    Path file = directory.resolve(split == Split.TRAIN ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz");
    if (!Files.isRegularFile(file)) {
      throw new DatasetException("missing " + file + "; sudo apt-get install dataset-fashion-mnist");
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(Files.newInputStream(file))))) {
      in.readInt();
      int n = Math.min(in.readInt(), limit);
      int h = in.readInt();
      int w = in.readInt();
      byte[] b = new byte[n * h * w];
      in.readFully(b);
      float[] p = new float[b.length];
      for (int i = 0; i < b.length; i++) {
        p[i] = b[i] & 0xFF;
      }
      return new Images(p, n, Shape.of(h, w, 1));
    } catch (IOException e) {
      throw new DatasetException(file + ": " + e.getMessage());
    }
  }
}
