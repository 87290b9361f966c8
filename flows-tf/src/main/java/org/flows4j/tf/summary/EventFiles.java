package org.flows4j.tf.summary;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.Summary;

/**
 * Reads back the scalars of a TensorBoard event file ({@code events.out.tfevents.*}), as written by
 * {@link TensorBoardWriter} or by TensorFlow in any language: TFRecord framing (8-byte little-endian length, its
 * masked CRC-32C, the serialized {@code Event} proto, its masked CRC-32C), both checksums verified, each record parsed
 * as TensorFlow's {@link Event} proto.
 */
public final class EventFiles {
  /** TFRecord's checksum mask: {@code rotate_right(crc, 15) + 0xa282ead8}, as in TensorFlow's {@code crc32c.h}. */
  private static final int MASK_DELTA = 0xa282ead8;

  private EventFiles() {}

  /**
   * Every scalar summary in {@code file}: tag → step → value (float32 as stored; the {@code tensor} form TensorFlow 2
   * writes and the older {@code simple_value} form both read). A step written twice keeps its last value.
   *
   * @throws IOException if the file cannot be read, is cut short, or a checksum does not match
   */
  public static Map<String, SortedMap<Long, Float>> scalars(Path file) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    Map<String, SortedMap<Long, Float>> scalars = new LinkedHashMap<>();
    while (buffer.hasRemaining()) {
      byte[] header = take(buffer, 8, file);
      checkCrc(header, take(buffer, 4, file), file, "length");
      long length = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (length < 0 || length > buffer.remaining()) {
        throw new IOException(file + ": a record claims " + length + " bytes, but " + buffer.remaining()
            + " remain");
      }
      byte[] data = take(buffer, (int) length, file);
      checkCrc(data, take(buffer, 4, file), file, "data");
      Event event = Event.parseFrom(data);
      if (!event.hasSummary()) {
        continue; // the file_version record, or events of other kinds
      }
      for (Summary.Value value : event.getSummary().getValueList()) {
        float scalar = value.hasTensor() ? value.getTensor().getFloatVal(0) : value.getSimpleValue();
        scalars.computeIfAbsent(value.getTag(), tag -> new TreeMap<>()).put(event.getStep(), scalar);
      }
    }
    Map<String, SortedMap<Long, Float>> readOnly = new LinkedHashMap<>();
    scalars.forEach((tag, values) -> readOnly.put(tag, Collections.unmodifiableSortedMap(values)));
    return Collections.unmodifiableMap(readOnly);
  }

  private static byte[] take(ByteBuffer buffer, int bytes, Path file) throws IOException {
    if (buffer.remaining() < bytes) {
      throw new IOException(file + ": the last record is cut short (" + buffer.remaining() + " of " + bytes
          + " bytes)");
    }
    byte[] out = new byte[bytes];
    buffer.get(out);
    return out;
  }

  private static void checkCrc(byte[] data, byte[] storedLittleEndian, Path file, String what) throws IOException {
    CRC32C crc = new CRC32C();
    crc.update(data);
    int value = (int) crc.getValue();
    int masked = ((value >>> 15) | (value << 17)) + MASK_DELTA;
    int stored = ByteBuffer.wrap(storedLittleEndian).order(ByteOrder.LITTLE_ENDIAN).getInt();
    if (masked != stored) {
      throw new IOException(file + ": the checksum of a record's " + what + " does not match");
    }
  }
}
