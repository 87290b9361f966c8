package org.flows4j.tf.distributed;

/**
 * Distributed training cannot go on: a worker is missing or stopped answering, or the workers disagree on what
 * they train. The message names the task or the difference, and what to do.
 */
public final class ClusterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ClusterException(String message) {
    super(message);
  }

  public ClusterException(String message, Throwable cause) {
    super(message, cause);
  }
}
