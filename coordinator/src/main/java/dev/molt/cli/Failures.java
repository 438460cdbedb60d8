package dev.molt.cli;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import java.io.FileNotFoundException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IExitCodeExceptionMapper;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Turns what a command threw into an exit code ({@link ExitCodes}) and one line on stderr starting
 * with {@code molt: }; the same for a bad command line. A status from the daemon is shown with the daemon's own description, which
 * names what is wrong; anything else unexpected is a bug, shown with its stack trace.
 */
final class Failures
    implements IExecutionExceptionHandler, IExitCodeExceptionMapper, IParameterExceptionHandler {
  @Override
  public int getExitCode(Throwable failure) {
    return switch (failure) {
      case ParameterException usage -> ExitCodes.USAGE;
      case CliFailure cli -> cli.exitCode();
      case StatusRuntimeException e -> ExitCodes.forStatus(e.getStatus().getCode());
      case StatusException e -> ExitCodes.forStatus(e.getStatus().getCode());
      default -> ExitCodes.INTERNAL;
    };
  }

  /**
   * A bad command line: the message (picocli's names the option and the value) and where to read
   * more, rather than the whole usage help, which would bury the message.
   */
  @Override
  public int handleParseException(ParameterException failure, String[] args) {
    CommandLine commandLine = failure.getCommandLine();
    PrintWriter err = commandLine.getErr();
    err.println("molt: " + failure.getMessage());
    UnmatchedArgumentException.printSuggestions(failure, err);
    err.println(
        "See '" + commandLine.getCommandSpec().qualifiedName() + " --help' for its options.");
    err.flush();
    return ExitCodes.USAGE;
  }

  @Override
  public int handleExecutionException(
      Exception failure, CommandLine commandLine, ParseResult parseResult) {
    PrintWriter err = commandLine.getErr();
    Endpoint endpoint = ((MoltCli) commandLine.getCommandSpec().root().userObject()).connectedTo();
    switch (failure) {
      case CliFailure cli -> err.println("molt: " + cli.getMessage());
      case StatusRuntimeException e -> err.println("molt: " + describe(e.getStatus(), endpoint));
      case StatusException e -> err.println("molt: " + describe(e.getStatus(), endpoint));
      default -> {
        err.println("molt: internal error (a bug in molt; please report it with this trace):");
        failure.printStackTrace(err);
      }
    }
    err.flush();
    return getExitCode(failure);
  }

  /** The line shown for a status from the daemon (or from the channel, when it is unreachable). */
  static String describe(Status status, Endpoint endpoint) {
    String where = endpoint == null ? "moltd" : "moltd at " + endpoint.describe();
    String detail = detail(status);
    return switch (status.getCode()) {
      case UNAVAILABLE ->
          "cannot reach " + where + ": " + detail
              + " (is moltd running? Name its socket with --socket or MOLT_SOCKET,"
              + " or its address with --connect)";
      case CANCELLED ->
          where + " dropped the call (" + detail + "): it is probably restarting; look with"
              + " `molt status` before retrying";
      case DEADLINE_EXCEEDED ->
          where + " did not answer in time (" + detail + "); the request may still take effect:"
              + " look with `molt status` before retrying, or raise --timeout";
      default -> detail;
    };
  }

  /**
   * The daemon's description; else the code. For transport failures the description is generic
   * ("io exception") and the cause holds the reason ("connect(..) failed: No such file or
   * directory").
   */
  static String detail(Status status) {
    var detail = new StringBuilder();
    detail.append(
        status.getDescription() == null || status.getDescription().isBlank()
            ? status.getCode() + " (the daemon gave no detail)"
            : status.getDescription());
    Throwable cause = status.getCause();
    if (cause instanceof FileNotFoundException) {
      // Netty's epoll transport reports a missing socket file with no message.
      detail.append(": the socket does not exist");
    } else if (cause != null) {
      detail.append(": ").append(
          cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName());
    }
    return detail.toString();
  }
}
