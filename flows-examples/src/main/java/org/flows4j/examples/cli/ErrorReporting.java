package org.flows4j.examples.cli;

import java.io.PrintWriter;
import org.flows4j.tf.training.TrainingDivergedException;
import org.flows4j.tf.distributed.ClusterConfigException;
import org.flows4j.tf.distributed.ClusterException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns the exceptions a command ends with into a message and an exit code. Errors the user can act on (missing
 * data, a damaged checkpoint or model, a folder that cannot be written, a diverged run; see {@link UserErrors})
 * print one line: their text already says what to do, and a stack trace would bury it. {@code --verbose} adds the
 * stack trace after it, for a bug report. Anything else is a bug and keeps its stack trace.
 */
final class ErrorReporting implements IExecutionExceptionHandler {
  @Override
  public int handleExecutionException(Exception exception, CommandLine commandLine, ParseResult parseResult)
      throws Exception {
    PrintWriter err = commandLine.getErr();
    if (exception instanceof ClusterException) {
      // A worker went missing or the workers disagree: the message names the task or the difference.
      err.println("error: " + exception.getMessage());
      return ExitCodes.FAILED;
    }
    if (exception instanceof ClusterConfigException) {
      err.println("error: " + exception.getMessage());
      return ExitCodes.USAGE;
    }
    if (exception instanceof TrainingDivergedException) {
      report(err, exception.getMessage(), exception, parseResult);
      return ExitCodes.FAILED;
    }
    String message = UserErrors.describe(exception);
    if (message != null) {
      report(err, message, exception, parseResult);
      return ExitCodes.USAGE;
    }
    throw exception;
  }

  private static void report(PrintWriter err, @Nullable String message, Exception exception, ParseResult parsed) {
    err.println("error: " + message);
    if (isVerbose(parsed)) {
      exception.printStackTrace(err);
    }
    err.flush();
  }

  /** {@code --verbose} may be given on {@code flows} or on its subcommand. */
  static boolean isVerbose(@Nullable ParseResult parsed) {
    for (ParseResult level = parsed; level != null; level = level.subcommand()) {
      if (level.hasMatchedOption(FlowsCommand.VERBOSE)) {
        return true;
      }
    }
    return false;
  }
}
