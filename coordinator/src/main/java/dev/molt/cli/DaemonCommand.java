package dev.molt.cli;

import com.google.protobuf.MessageOrBuilder;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand that talks to the daemon: opens the connection, runs, closes it. Output goes only to
 * the command line's own writers, so tests capture it.
 */
abstract class DaemonCommand implements Callable<Integer> {
  /** The deadline of unary calls unless {@code --timeout} or the command says otherwise. */
  static final Duration UNARY_TIMEOUT = Duration.ofSeconds(30);

  @Spec CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    try (DaemonConnection daemon = cli().connect(spec, defaultTimeout())) {
      return run(daemon);
    }
  }

  /** Does the command's work; returns its exit code. */
  abstract int run(DaemonConnection daemon) throws Exception;

  /** The deadline of this command's unary calls when {@code --timeout} is not given. */
  Duration defaultTimeout() {
    return UNARY_TIMEOUT;
  }

  final MoltCli cli() {
    return (MoltCli) spec.root().userObject();
  }

  final PrintWriter out() {
    return spec.commandLine().getOut();
  }

  final PrintWriter err() {
    return spec.commandLine().getErr();
  }

  final boolean json() {
    return cli().output() == OutputFormat.JSON;
  }

  /** Prints {@code message} as JSON on stdout. */
  final void printJson(MessageOrBuilder message) {
    out().println(Json.of(message));
  }
}
