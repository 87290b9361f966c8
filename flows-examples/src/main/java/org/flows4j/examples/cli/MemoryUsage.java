package org.flows4j.examples.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * How much memory the process has used. TensorFlow allocates natively, outside the JVM heap, so the figure that
 * matters for "will it fit" is the resident set size; the heap is reported beside it.
 */
final class MemoryUsage {
  private static final Path STATUS = Path.of("/proc/self/status");

  private MemoryUsage() {}

  /** Peak resident set size ({@code VmHWM}) in bytes; empty where there is no {@code /proc} (not Linux). */
  static OptionalLong peakResidentBytes() {
    try {
      for (String line : Files.readAllLines(STATUS)) {
        if (line.startsWith("VmHWM:")) {
          // "VmHWM:	  123456 kB"
          String kilobytes = line.substring("VmHWM:".length()).replace("kB", "").strip();
          return OptionalLong.of(Long.parseLong(kilobytes) * 1024);
        }
      }
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.empty();
  }

  /** The sum of the heap pools' peak usages since the JVM started, in bytes. */
  static long peakHeapBytes() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }

  static long maxHeapBytes() {
    return Runtime.getRuntime().maxMemory();
  }

  static String mebibytes(long bytes) {
    return String.format("%.0f MiB", bytes / (1024.0 * 1024.0));
  }
}
