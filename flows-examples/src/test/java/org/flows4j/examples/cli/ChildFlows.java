package org.flows4j.examples.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code flows} command line in a child JVM of its own, with a bounded heap, for tests that need real processes
 * (a second process racing for a run folder, a process killed mid-write). Output goes to files, so a chatty child
 * never blocks on a full pipe.
 */
final class ChildFlows {
  private ChildFlows() {}

  static Process start(Path logs, String name, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-cp", System.getProperty("java.class.path"),
        FlowsCommand.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectOutput(logs.resolve(name + ".out").toFile())
        .redirectError(logs.resolve(name + ".err").toFile())
        .start();
  }
}
