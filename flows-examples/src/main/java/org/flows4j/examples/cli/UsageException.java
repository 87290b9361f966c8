package org.flows4j.examples.cli;

/**
 * A mistake in how a command was called that the command found itself (an option that conflicts with the run in
 * {@code --out}, a missing folder). The message says what is wrong and what to do; it is printed without a stack
 * trace and the command exits with {@link ExitCodes#USAGE}.
 */
public final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }

  public UsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
