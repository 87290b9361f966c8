package org.flows4j.examples.metrics;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.Flushable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code metrics.csv}: a header, then one row per training step and per held-out evaluation, in the order they
 * happened. Rows are appended as training goes and flushed at every checkpoint, so after a crash the file holds
 * at least the steps the last checkpoint holds.
 */
public final class MetricsCsv implements Closeable, Flushable {
  public static final String HEADER = "step,kind,loss_nats,bits_per_dim,grad_norm,lr";

  private final Path file;
  private final BufferedWriter writer;

  private MetricsCsv(Path file, BufferedWriter writer) {
    this.file = file;
    this.writer = writer;
  }

  /** Starts a new file (replacing an old one) with just the header. */
  public static MetricsCsv create(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, HEADER + "\n", StandardCharsets.UTF_8);
    return append(file);
  }

  /**
   * Continues the file of a run resumed at {@code step}: keeps the rows up to that step and drops later ones,
   * because the resumed run repeats those steps (they came after the checkpoint it resumes from). Starts a new file
   * when there is none.
   */
  public static MetricsCsv continueAfter(Path file, long step) throws IOException {
    if (!Files.exists(file)) {
      return create(file);
    }
    dropUnfinishedLastLine(file);
    StringBuilder kept = new StringBuilder(HEADER).append('\n');
    for (MetricsRow row : read(file)) {
      if (row.step() <= step) {
        kept.append(row.toCsv()).append('\n');
      }
    }
    // Rewrite by rename, so a crash now leaves the old file rather than half a new one.
    Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(temporary, kept, StandardCharsets.UTF_8);
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    return append(file);
  }

  /**
   * A process killed while appending can leave half a row without its newline; that row was never complete, so it
   * is dropped (by rename, like the rewrite) rather than making the whole file unreadable.
   */
  private static void dropUnfinishedLastLine(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    if (text.isEmpty() || text.endsWith("\n")) {
      return;
    }
    Path temporary = file.resolveSibling("." + file.getFileName() + ".tmp");
    Files.writeString(temporary, text.substring(0, text.lastIndexOf('\n') + 1), StandardCharsets.UTF_8);
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static MetricsCsv append(Path file) throws IOException {
    return new MetricsCsv(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
  }

  /** Appends a row (buffered until the next {@link #flush}). */
  public void add(MetricsRow row) {
    try {
      writer.write(row.toCsv());
      writer.newLine();
    } catch (IOException e) {
      throw new UncheckedIOException("could not write to " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void flush() {
    try {
      writer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("could not write to " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    writer.close();
  }

  /** Every row of a metrics file, in file order; a clear error naming the line when it is not one of ours. */
  public static List<MetricsRow> read(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      throw new IOException(file + " is not a flows metrics file: its first line should be '" + HEADER + "'");
    }
    List<MetricsRow> rows = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      try {
        rows.add(parse(line));
      } catch (RuntimeException e) {
        throw new IOException(file + " line " + (i + 1) + " is not a metrics row (" + e.getMessage() + "): "
            + line, e);
      }
    }
    return rows;
  }

  private static MetricsRow parse(String line) {
    String[] cells = line.split(",", -1);
    if (cells.length != 6) {
      throw new IllegalArgumentException("expected 6 cells, found " + cells.length);
    }
    return new MetricsRow(Long.parseLong(cells[0]), MetricsRow.Kind.fromCsvName(cells[1]), number(cells[2]),
        number(cells[3]), number(cells[4]), number(cells[5]));
  }

  private static double number(String cell) {
    return cell.isEmpty() ? Double.NaN : Double.parseDouble(cell);
  }
}
