package dev.molt.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * What the CLI takes from its surroundings: how it opens channels, its environment variables, time,
 * and whether its error stream is a terminal. {@link #system()} in production; tests build their
 * own.
 *
 * @param channels opens the channel to the daemon
 * @param env the environment variables (MOLT_SOCKET, COLUMNS)
 * @param time the clock and sleeps of the reconnect logic
 * @param backoff delays between reconnect attempts
 * @param errIsTerminal whether stderr is a terminal, where a progress bar may be drawn
 */
public record CliContext(
    ChannelFactory channels,
    Map<String, String> env,
    TimeSource time,
    Backoff backoff,
    BooleanSupplier errIsTerminal) {
  public CliContext {
    Objects.requireNonNull(channels, "channels");
    env = Map.copyOf(env);
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(errIsTerminal, "errIsTerminal");
  }

  /** Netty channels, the process's environment, the system clock, a terminal check on fd 2. */
  public static CliContext system() {
    return new CliContext(
        new NettyChannelFactory(),
        System.getenv(),
        TimeSource.SYSTEM,
        Backoff.DEFAULT,
        CliContext::stderrIsTerminal);
  }

  /**
   * Java tells whether stdin and stdout are a terminal (System.console()), not stderr, where the
   * progress bar goes: look at what fd 2 is, the way isatty(3) would.
   */
  static boolean stderrIsTerminal() {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException e) {
      return false; // not Linux, or no /proc: draw no bar rather than garbage
    }
  }
}
