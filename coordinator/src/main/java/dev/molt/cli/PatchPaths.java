package dev.molt.cli;

import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Module paths are opened by the daemon: absolute, or made so only when it shares this host. */
final class PatchPaths {
  private PatchPaths() {}

  static String onDaemonHost(CommandSpec command, Path path, Endpoint endpoint) {
    if (path.isAbsolute()) {
      return path.toString();
    }
    if (endpoint instanceof Endpoint.UnixSocket) {
      return path.toAbsolutePath().normalize().toString();
    }
    throw new ParameterException(command.commandLine(), path + " is relative: with --connect, give"
        + " the absolute path on the daemon's host");
  }
}
