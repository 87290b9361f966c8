package org.flows4j.examples.cli;

import java.io.PrintWriter;
import org.flows4j.tf.data.DatasetException;
import org.flows4j.tf.training.CheckpointException;
import org.flows4j.tf.training.TrainingDivergedException;
import org.flows4j.tf.distributed.ClusterConfigException;
import org.flows4j.tf.distributed.ClusterException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns the exceptions a command ends with into a message and an exit code. Errors the user can act on (missing
 * data, no checkpoint, a diverged run) print their message only: their text already says what to do, and a stack
 * trace would bury it. Anything else is a bug and keeps its stack trace.
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
      err.println("error: " + exception.getMessage());
      return ExitCodes.FAILED;
    }
    if (exception instanceof UsageException || exception instanceof DatasetException
        || exception instanceof CheckpointException) {
      err.println("error: " + exception.getMessage());
      return ExitCodes.USAGE;
    }
    throw exception;
  }
}
