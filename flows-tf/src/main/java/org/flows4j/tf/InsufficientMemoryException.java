package org.flows4j.tf;

/**
 * A flow, batch or call would need more memory than the machine has; the message says how much, and what to
 * lower. Thrown before anything large is allocated.
 */
public final class InsufficientMemoryException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  InsufficientMemoryException(String message) {
    super(message);
  }
}
