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
import org.jspecify.annotations.Nullable;

/**
 * One process at a time in a run folder: an OS lock ({@code fcntl}, through {@link FileChannel#tryLock()}) on
 * {@code .lock} in the folder, held until the command ends. The kernel drops the lock when its process dies, however
 * it dies, so a lock left by a killed run never blocks the next one; the file itself stays (deleting it would let a
 * third process lock a fresh file while a second still holds the old one). The holder writes its PID into the file
 * so a refused process can say who holds the folder.
 */
final class RunLock implements AutoCloseable {
  static final String FILE = ".lock";

  private final FileChannel channel;
  private final FileLock lock;

  private RunLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the folder (creating it and its lock file if needed).
   *
   * @throws UsageException naming the holder's PID when another process holds it
   */
  static RunLock acquire(Path root) throws IOException {
    Files.createDirectories(root);
    FileChannel channel = FileChannel.open(root.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    try {
      FileLock lock = tryLock(channel);
      if (lock == null) {
        throw inUse(root, channel);
      }
      byte[] holder = ("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(holder), 0);
      channel.force(true);
      return new RunLock(channel, lock);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
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

  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
