package org.flows4j.tf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
  /** Told of every flush and every rename, in the order they happen (see {@link #observer}). */
  interface Observer {
    void synced(Path path);

    void moved(Path from, Path to);
  }

  private static final Observer NOBODY = new Observer() {
    @Override
    public void synced(Path path) {}

    @Override
    public void moved(Path from, Path to) {}
  };

  /**
   * Sees the durability steps as they happen. Nothing in the library sets it: it exists so that a test can check the
   * order the crash-safety promise rests on (every file flushed before the rename that publishes it, the parent
   * flushed after), which no test can observe from the files themselves short of cutting the power.
   */
  static volatile Observer observer = NOBODY;

  private DurableFiles() {}

  /** Renames {@code from} to {@code to} atomically (replacing {@code to} if it is a file and {@code replace}). */
  public static void moveAtomically(Path from, Path to, boolean replace) throws IOException {
    if (replace) {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } else {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }
    observer.moved(from, to);
  }

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
    observer.synced(path);
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
