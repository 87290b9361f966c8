package org.flows4j.tf.training;

/** A checkpoint is missing, incomplete or damaged; the message says which file and what to do. */
public final class CheckpointException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CheckpointException(String message) {
    super(message);
  }

  CheckpointException(String message, Throwable cause) {
    super(message, cause);
  }
}
