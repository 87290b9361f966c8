package org.flows4j.examples.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import org.jspecify.annotations.Nullable;

/**
 * One process at a time in a run folder: an OS lock ({@code fcntl}, through {@link FileChannel#tryLock()}) on
 * {@code .lock} in the folder, held until the command ends. The kernel drops the lock when its process dies, however
 * it dies, so a lock left by a killed run never blocks the next one; the file itself stays (deleting it would let a
 * third process lock a fresh file while a second still holds the old one). The holder writes its PID into the file
 * so a refused process can say who holds the folder.
 *
 * <p>One exception to "the file stays": a command that created the lock file and then fails before it has written
 * anything (a {@code --resume} whose data do not load) removes it again with {@link #closeAndRemoveIfCreated()}, so
 * a failed command leaves the folder as it found it. It deletes the file while still holding the lock, and
 * {@link #acquire} checks, once it holds a lock, that the file it locked is still the one at {@code .lock}: a
 * process that opened the file just before it was removed finds its lock stale and tries again on the file now
 * there, so two processes never both believe they own the folder.
 */
final class RunLock implements AutoCloseable {
  static final String FILE = ".lock";

  /** How often {@link #acquire} retries when the lock file is removed or replaced while it takes the lock. */
  private static final int ATTEMPTS = 5;

  private final Path file;
  private final FileChannel channel;
  private final FileLock lock;
  /** Whether the lock file did not exist before this process took the lock. */
  private final boolean created;

  private RunLock(Path file, FileChannel channel, FileLock lock, boolean created) {
    this.file = file;
    this.channel = channel;
    this.lock = lock;
    this.created = created;
  }

  /**
   * Takes the folder (creating it and its lock file if needed).
   *
   * @throws UsageException naming the holder's PID when another process holds it
   */
  static RunLock acquire(Path root) throws IOException {
    Files.createDirectories(root);
    Path file = root.resolve(FILE);
    for (int attempt = 1; ; attempt++) {
      @Nullable Object before = fileKey(file);
      FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE);
      try {
        FileLock lock = tryLock(channel);
        if (lock == null) {
          throw inUse(root, channel);
        }
        @Nullable Object after = fileKey(file);
        if (after == null || (before != null && !before.equals(after))) {
          // Removed or replaced while we opened it: this lock is on a file nobody else will see. Take the one
          // now at the path instead.
          lock.release();
          channel.close();
          if (attempt < ATTEMPTS) {
            continue;
          }
          throw new UsageException(root + " is in use by another flows process (its lock file kept changing). "
              + "Wait for it to finish, stop it, or choose another --out.");
        }
        byte[] holder = ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8);
        channel.truncate(0);
        channel.write(ByteBuffer.wrap(holder), 0);
        channel.force(true);
        return new RunLock(file, channel, lock, before == null);
      } catch (IOException | RuntimeException e) {
        channel.close();
        throw e;
      }
    }
  }

  /** The file's identity (device and inode on Linux), or null when there is no such file. */
  private static @Nullable Object fileKey(Path file) throws IOException {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      // Without file keys (not on Linux or macOS) the creation time is the best identity there is.
      return attributes.fileKey() != null ? attributes.fileKey() : attributes.creationTime();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Fails when another process holds the folder, without creating or changing anything (for the checks a command
   * makes before it may write): the lock is taken and dropped at once.
   */
  static void checkFree(Path root) throws IOException {
    Path file = root.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      return;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock lock = tryLock(channel);
      if (lock == null) {
        throw inUse(root, channel);
      }
      lock.release();
    } catch (NoSuchFileException e) {
      // Gone since we looked: nobody holds it.
    }
  }

  private static @Nullable FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      return null; // held by this very process (another command in the same JVM)
    }
  }

  private static UsageException inUse(Path root, FileChannel channel) throws IOException {
    ByteBuffer content = ByteBuffer.allocate(64);
    channel.read(content, 0);
    String holder = new String(content.array(), 0, content.position(), StandardCharsets.UTF_8).strip();
    return new UsageException(root + " is in use by another flows process (" + (holder.isEmpty() ? "pid unknown"
        : holder) + "). Wait for it to finish, stop it, or choose another --out.");
  }

  /**
   * Releases the folder; when this process created the lock file, deletes it first (while still holding the lock),
   * so a command that fails before writing anything leaves no {@code .lock} behind.
   */
  void closeAndRemoveIfCreated() throws IOException {
    try {
      if (created) {
        Files.deleteIfExists(file);
      }
    } finally {
      close();
    }
  }

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
