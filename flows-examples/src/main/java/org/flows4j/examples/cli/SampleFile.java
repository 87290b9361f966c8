package org.flows4j.examples.cli;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flows4j.tf.export.FlowModel;

/**
 * {@code flows sample --csv}: any number of samples, drawn in chunks of a bounded number of rows and written as
 * they are produced, so memory stays that of one chunk however many are asked for. One sample per line, its D
 * values (row-major; pixels of an image flattened) separated by commas. Chunk {@code j} is drawn with the seed
 * {@link #chunkSeed}: chunk 0 with {@code --seed} itself, so the first chunk is what {@code model.sample(rows, t,
 * seed)} gives (and what the picture shows); later chunks draw afresh rather than repeating it.
 */
final class SampleFile {
  private SampleFile() {}

  /** Writes {@code n} samples to {@code file} (replaced if it exists), {@code rows} per call into the model. */
  static void write(Path file, FlowModel model, long n, int rows, double temperature, long seed) throws IOException {
    int size = model.spec().inputShape().size();
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      StringBuilder line = new StringBuilder();
      long j = 0;
      for (long done = 0; done < n; done += rows, j++) {
        int count = (int) Math.min(rows, n - done);
        float[] samples = model.sample(count, temperature, chunkSeed(seed, j));
        for (int i = 0; i < count; i++) {
          line.setLength(0);
          for (int d = 0; d < size; d++) {
            if (d > 0) {
              line.append(',');
            }
            line.append(samples[i * size + d]);
          }
          out.append(line).append('\n');
        }
      }
    }
  }

  /** The seed of chunk {@code j}: {@code seed} for the first, a fixed sequence after it. */
  static long chunkSeed(long seed, long j) {
    return seed + j * 0x9E3779B97F4A7C15L;
  }
}
