package org.flows4j.tf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The file operations behind flows4j's crash-safe writes (checkpoints, SavedModel export): write into a temporary
 * folder, flush it with {@link #syncTree}, rename, then flush the parent with {@link #sync}, so a crash or a power
 * cut leaves either the old or the new folder, complete.
 */
public final class DurableFiles {
  private DurableFiles() {}

  /** Flushes every file under {@code directory}, then the directories themselves, deepest first. */
  public static void syncTree(Path directory) throws IOException {
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(directory)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path path : paths) {
      sync(path);
    }
  }

  /** {@code fsync} of a file or a directory (on Linux a directory opened for reading can be forced). */
  public static void sync(Path path) throws IOException {
    boolean directory = Files.isDirectory(path);
    try (FileChannel channel = FileChannel.open(path,
        directory ? StandardOpenOption.READ : StandardOpenOption.WRITE)) {
      channel.force(true);
    } catch (IOException e) {
      if (!directory) {
        throw e;
      }
      // Some file systems refuse to open directories as channels; the files themselves were flushed.
    }
  }

  /** Deletes {@code directory} and everything below it, deepest first. */
  public static void deleteRecursively(Path directory) throws IOException {
    try (Stream<Path> walk = Files.walk(directory)) {
      for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
