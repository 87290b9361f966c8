package org.flows4j.examples.cli;

import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flows}: the entry point of the command line. */
@Command(
    name = "flows",
    mixinStandardHelpOptions = true,
    version = "flows4j 0.1.0",
    description = "Declare, train, evaluate, sample and inspect normalizing flows on TensorFlow.",
    subcommands = {TrainCommand.class, EvalCommand.class, SampleCommand.class, ExportCommand.class,
        InspectCommand.class, BenchmarkCommand.class, ResidualBenchmarkCommand.class,
        AblationsCommand.class})
public final class FlowsCommand implements Runnable {
  /**
   * flows4j logs at INFO which gradients it registered: useful in a test log, noise above a progress bar. Held in a
   * field because java.util.logging keeps loggers only weakly, and a collected logger forgets its level.
   */
  private static final Logger FLOWS4J_LOG = Logger.getLogger("org.flows4j");

  /** Prints the stack trace after an error message; accepted before or after the subcommand's name. */
  static final String VERBOSE = "--verbose";

  @CommandLine.Option(names = VERBOSE, scope = CommandLine.ScopeType.INHERIT,
      description = "after an error message, print the stack trace too (for a bug report)")
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The command line with its error reporting; tests run it with their own output streams. */
  public static CommandLine commandLine() {
    return new CommandLine(new FlowsCommand())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setParameterExceptionHandler(new UsageErrorReporting())
        .setExecutionExceptionHandler(new ErrorReporting());
  }

  public static void main(String[] args) {
    FLOWS4J_LOG.setLevel(Level.WARNING);
    System.exit(commandLine().execute(args));
  }
}
