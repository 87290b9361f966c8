package org.flows4j.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.flows4j.tf.distributed.LoopbackCluster;

/**
 * {@code flows benchmark --workers N}: starts N worker processes of {@code flows benchmark} on 127.0.0.1 (free
 * ports, bounded heap), each training as one task of a data-parallel run, and relays their figures. A watchdog
 * kills every worker when one exceeds the resident-set cap or the time limit, and every worker is killed at the
 * end whatever happened (TensorFlow's servers cannot be shut down, so the workers end their own process when done;
 * the kill is for failures).
 */
final class WorkerBenchmarkLauncher {
  private static final long POLL_MILLIS = 200;

  private final int workers;
  private final List<String> benchmarkArguments;
  private final long maxResidentBytes;
  private final long timeLimitSeconds;
  private final int heapMegabytes;

  /**
   * @param benchmarkArguments the {@code flows benchmark} options every worker gets (model, data, steps, batch per
   *     worker...), without {@code --workers}
   */
  WorkerBenchmarkLauncher(int workers, List<String> benchmarkArguments, long maxResidentBytes,
      long timeLimitSeconds, int heapMegabytes) {
    this.workers = workers;
    this.benchmarkArguments = List.copyOf(benchmarkArguments);
    this.maxResidentBytes = maxResidentBytes;
    this.timeLimitSeconds = timeLimitSeconds;
    this.heapMegabytes = heapMegabytes;
  }

  int run(PrintWriter out) throws IOException, InterruptedException {
    String cluster = LoopbackCluster.addresses(workers);
    Path logs = Files.createTempDirectory("flows-benchmark-workers");
    List<Process> processes = new ArrayList<>();
    Thread killer = new Thread(() -> processes.forEach(Process::destroyForcibly));
    Runtime.getRuntime().addShutdownHook(killer); // Ctrl-C or a kill of this process takes the workers along
    try {
      for (int task = 0; task < workers; task++) {
        processes.add(start(cluster, task, logs.resolve("worker-" + task + ".log")));
      }
      String failure = watch(processes);
      for (int task = 0; task < workers; task++) {
        List<String> lines = Files.readAllLines(logs.resolve("worker-" + task + ".log"));
        if (failure != null || processes.get(task).exitValue() != 0) {
          out.printf(Locale.ROOT, "--- worker %d (exit %s) ---%n", task,
              processes.get(task).isAlive() ? "killed" : String.valueOf(processes.get(task).exitValue()));
          lines.forEach(out::println);
        } else if (task == 0) {
          lines.forEach(out::println);
        } else {
          lines.stream().filter(line -> line.startsWith("task ")).forEach(out::println);
        }
      }
      out.flush();
      if (failure != null) {
        out.println("error: " + failure);
        out.flush();
        return ExitCodes.FAILED;
      }
      for (Process process : processes) {
        if (process.exitValue() != 0) {
          return ExitCodes.FAILED;
        }
      }
      return ExitCodes.OK;
    } finally {
      processes.forEach(Process::destroyForcibly);
      for (Process process : processes) {
        process.waitFor(10, TimeUnit.SECONDS);
      }
      try {
        Runtime.getRuntime().removeShutdownHook(killer);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
      deleteLogs(logs);
    }
  }

  private Process start(String cluster, int task, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + heapMegabytes + "m",
        "-cp", System.getProperty("java.class.path"), FlowsCommand.class.getName(), "benchmark"));
    command.addAll(benchmarkArguments);
    command.addAll(List.of("--cluster", cluster, "--task-index", String.valueOf(task)));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putIfAbsent("TF_CPP_MIN_LOG_LEVEL", "2");
    return builder.start();
  }

  /**
   * Waits for every worker to end; returns why they were killed (a worker above the resident-set cap, the time
   * limit, a worker that failed while others wait for it), or null when all ended by themselves.
   */
  private String watch(List<Process> processes) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeLimitSeconds);
    while (true) {
      boolean running = false;
      for (int task = 0; task < processes.size(); task++) {
        Process process = processes.get(task);
        if (process.isAlive()) {
          running = true;
          OptionalLong resident = residentBytes(process.pid());
          if (resident.isPresent() && resident.getAsLong() > maxResidentBytes) {
            killAll(processes);
            return String.format(Locale.ROOT, "worker %d used %s of memory, above the cap of %s "
                + "(--max-rss-mb); every worker was stopped. Use a smaller model or batch, or raise the cap.",
                task, MemoryUsage.mebibytes(resident.getAsLong()), MemoryUsage.mebibytes(maxResidentBytes));
          }
        } else if (process.exitValue() != 0) {
          // The others would wait for it until their cluster timeout: stop them now.
          killAll(processes);
          return "worker " + task + " failed (exit " + process.exitValue() + "); every worker was stopped";
        }
      }
      if (!running) {
        return null;
      }
      if (System.nanoTime() > deadline) {
        killAll(processes);
        return "the workers did not finish within " + timeLimitSeconds + " s; every worker was stopped";
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private static void killAll(List<Process> processes) throws InterruptedException {
    processes.forEach(Process::destroyForcibly);
    for (Process process : processes) {
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The current resident set ({@code VmRSS}) of a process; empty where there is no {@code /proc}. */
  static OptionalLong residentBytes(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return OptionalLong.of(Long.parseLong(line.substring(6).replace("kB", "").strip()) * 1024);
        }
      }
    } catch (IOException | NumberFormatException | UncheckedIOException e) {
      return OptionalLong.empty();
    }
    return OptionalLong.empty();
  }

  private static void deleteLogs(Path logs) {
    try (var files = Files.list(logs)) {
      for (Path file : files.toList()) {
        Files.deleteIfExists(file);
      }
      Files.deleteIfExists(logs);
    } catch (IOException e) {
      // temporary files; the OS cleans them up
    }
  }
}
