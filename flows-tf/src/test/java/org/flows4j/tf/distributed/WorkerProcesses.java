package org.flows4j.tf.distributed;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@link TrainingWorker} JVMs on loopback (bounded heap, free ports) and always kills them at the end, even
 * when a test fails.
 */
final class WorkerProcesses implements AutoCloseable {
  /** One record of a worker's output file: the loss and weights after an optimizer step, or the final samples. */
  record Record(long step, double loss, float[] values) {}

  private final List<Process> processes = new ArrayList<>();

  /** {@code n} loopback addresses on ports that were free a moment ago. */
  static String loopbackCluster(int n) throws IOException {
    return LoopbackCluster.addresses(n);
  }

  /** Starts a worker with {@code key=value} arguments; its stderr goes to {@code log}. */
  Process start(Path log, List<String> arguments) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m", "-XX:+UseSerialGC",
        "-cp", System.getProperty("java.class.path"), TrainingWorker.class.getName()));
    command.addAll(arguments);
    Process process = new ProcessBuilder(command).redirectError(log.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    processes.add(process);
    return process;
  }

  /** Waits for {@code process} to end (killing it after {@code seconds}); returns its exit code. */
  static int exitCode(Process process, long seconds) throws InterruptedException {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("worker did not end within " + seconds + " s");
    }
    return process.exitValue();
  }

  static List<Record> read(Path file) throws IOException {
    List<Record> records = new ArrayList<>();
    if (!Files.exists(file)) {
      return records;
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      while (true) {
        long step;
        try {
          step = in.readLong();
        } catch (EOFException e) {
          return records;
        }
        double loss = in.readDouble();
        float[] values = new float[in.readInt()];
        for (int i = 0; i < values.length; i++) {
          values[i] = in.readFloat();
        }
        records.add(new Record(step, loss, values));
      }
    }
  }

  @Override
  public void close() {
    for (Process process : processes) {
      process.destroyForcibly();
    }
    for (Process process : processes) {
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
