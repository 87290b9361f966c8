package org.flows4j.tf.data;

// TEMPORARY STAND-IN (flows-examples scaffolding): delete once flows-tf's DatasetException is installed.
public final class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }
}
