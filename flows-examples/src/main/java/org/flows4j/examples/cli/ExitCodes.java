package org.flows4j.examples.cli;

/** What the {@code flows} process returns, so scripts can tell a failed run from a mistake in the invocation. */
public final class ExitCodes {
  /** The command did what was asked. */
  public static final int OK = 0;

  /** Training ran but failed (it diverged), or an unexpected error (a bug: the stack trace is printed). */
  public static final int FAILED = 1;

  /**
   * The command could not start or continue because of its input: a bad option, missing data files, no checkpoint
   * to resume from. Same as picocli's code for usage errors.
   */
  public static final int USAGE = 2;

  private ExitCodes() {}
}
