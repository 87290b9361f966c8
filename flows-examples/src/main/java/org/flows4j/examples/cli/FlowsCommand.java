package org.flows4j.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code flows}: the entry point of the command line. */
@Command(
    name = "flows",
    mixinStandardHelpOptions = true,
    version = "flows4j 0.1.0",
    description = "Declare, train and sample normalizing flows on TensorFlow.",
    subcommands = {TrainCommand.class})
public final class FlowsCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new FlowsCommand()).execute(args));
  }
}
