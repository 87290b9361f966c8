package org.flows4j.examples.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Locale;
import org.flows4j.tf.InsufficientMemoryException;
import org.flows4j.tf.data.DatasetException;
import org.flows4j.tf.training.CheckpointException;
import org.jspecify.annotations.Nullable;

/**
 * Which failures are the user's to fix, and the one line that says how. The CLI's own checks throw
 * {@link UsageException}; the library's say what is wrong in {@link DatasetException} (data files) and
 * {@link CheckpointException} (checkpoints). File-system errors (an {@code --out} that is a file, lies below a
 * file, or is read-only) come from the JDK, anywhere in a cause chain, and are described here.
 */
final class UserErrors {
  private UserErrors() {}

  /** The message to print for a failure the user can act on; null for a bug. */
  static @Nullable String describe(Throwable failure) {
    if (failure instanceof UsageException || failure instanceof DatasetException
        || failure instanceof CheckpointException || failure instanceof InsufficientMemoryException) {
      return failure.getMessage();
    }
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof FileSystemException fileSystem) {
        return describe(fileSystem);
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return null;
  }

  /** What went wrong with which file, and what to do, in the words a shell would use. */
  static String describe(FileSystemException e) {
    String file = e.getFile();
    String reason = e.getReason() == null ? "" : e.getReason();
    String lowerReason = reason.toLowerCase(Locale.ROOT);
    if (e instanceof AccessDeniedException || lowerReason.contains("permission denied")
        || lowerReason.contains("read-only") || lowerReason.contains("operation not permitted")) {
      return "cannot write " + file + ": permission denied (a read-only folder or file system). Choose another "
          + "--out, or make the folder writable.";
    }
    if (e instanceof NotDirectoryException || lowerReason.contains("not a directory")) {
      return "cannot use " + file + ": part of its path is a file, not a folder. Choose another --out.";
    }
    if (e instanceof FileAlreadyExistsException) {
      return "cannot create " + file + ": a file of that name is in the way. Remove it or choose another --out.";
    }
    if (e instanceof NoSuchFileException) {
      return "cannot find " + file + ". Check the path.";
    }
    if (lowerReason.contains("no space")) {
      return "cannot write " + file + ": the disk is full. Free some space or choose another --out.";
    }
    return "cannot write " + file + (reason.isEmpty() ? "" : ": " + reason) + ". Check the path and its "
        + "permissions, or choose another --out.";
  }
}
