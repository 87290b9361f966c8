package org.flows4j.tf.data;

/** A dataset file is missing, damaged or unreadable; the message names the file and says what to do. */
public final class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  DatasetException(String message) {
    super(message);
  }

  DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
