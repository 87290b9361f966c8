package org.flows4j.examples.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library is quiet by default (issue 13, "log noise"; README, "Logging"): flows-api and flows-tf never write to
 * standard output or error, and log only through {@code System.Logger} at {@code DEBUG} or {@code TRACE} (routine) or
 * {@code WARNING}/{@code ERROR} (something went wrong), never {@code INFO}, which {@code java.util.logging} shows by
 * default. A source scan, so a new {@code println} or INFO line in library code fails here, not in a user's console.
 */
class QuietLibraryTest {
  private static final Pattern PRINTS = Pattern.compile("System\\.(out|err)\\b|printStackTrace\\(");
  private static final Pattern INFO = Pattern.compile("Level\\.INFO|java\\.util\\.logging");

  @Test
  void libraryCodeNeitherPrintsNorLogsAtInfo() throws IOException {
    List<String> offenders = new ArrayList<>();
    int files = 0;
    for (String module : List.of("flows-api", "flows-tf")) {
      try (Stream<Path> sources = Files.walk(Path.of("..", module, "src", "main", "java"))) {
        for (Path source : sources.filter(p -> p.toString().endsWith(".java")).toList()) {
          files++;
          List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
          for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            boolean comment = line.startsWith("*") || line.startsWith("//") || line.startsWith("/*");
            if (!comment && (PRINTS.matcher(line).find() || INFO.matcher(line).find())) {
              offenders.add(source.getFileName() + ":" + (i + 1) + ": " + line);
            }
          }
        }
      }
    }
    assertThat(files).as("the scan found the library's sources").isGreaterThan(200);
    assertThat(offenders).isEmpty();
  }
}
