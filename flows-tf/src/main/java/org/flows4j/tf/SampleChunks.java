package org.flows4j.tf;

import com.google.common.base.Preconditions;
import org.flows4j.api.Shape;

/**
 * Sampling in chunks: {@code Trainer.sample} and {@code FlowModel.sample} draw {@code n} samples a chunk of rows at a
 * time, chunk j taking rows {@code [first, first + rows)} of the seed's samples ({@link CompiledFlow#sampleRows}), so
 * the graph's memory is that of one chunk whatever {@code n} is, and the samples do not depend on the chunk size.
 * What still grows with {@code n} is the output array itself; {@link #output} refuses it when it cannot exist.
 */
public final class SampleChunks {
  /** Rows per call of {@code FlowModel.sample} unless set ({@code Trainer.sample} uses its evaluation batch). */
  public static final int DEFAULT_ROWS_PER_CALL = 512;

  private SampleChunks() {}

  /**
   * The output array for {@code n} samples of {@code shape}, once it is checked to fit: in a Java array
   * (at most {@code Integer.MAX_VALUE - 8} floats) and in the memory available ({@link MemoryEstimate#availableBytes}).
   *
   * @throws IllegalArgumentException when {@code n·size} floats exceed what one Java array holds
   * @throws InsufficientMemoryException when they exceed the memory available
   */
  public static float[] output(int n, Shape shape) {
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    int size = shape.size();
    long floats = (long) n * size;
    if (floats > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "%d samples of %d values are %d "
          + "floats, more than one Java array holds (%d). Draw fewer at a time: rows [first, first + n) of a seed's "
          + "samples come from FlowModel.sample in chunks of the same seed.", n, size, floats, Integer.MAX_VALUE - 8));
    }
    long bytes = floats * Float.BYTES;
    long available = MemoryEstimate.availableBytes();
    if (bytes > available) {
      throw new InsufficientMemoryException(String.format(java.util.Locale.ROOT, "%d samples of %d values need %s "
          + "for the output array alone, more than the %s of memory available. Lower n.", n, size,
          MemoryEstimate.human(bytes), MemoryEstimate.human(available)));
    }
    return new float[(int) floats];
  }
}
