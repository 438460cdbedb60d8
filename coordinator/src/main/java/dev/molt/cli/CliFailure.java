package dev.molt.cli;

/**
 * A failure the CLI found itself (not a status from the daemon), with the exit code it ends with.
 * Its message is printed after {@code molt: } and names what is wrong and what to do.
 */
public final class CliFailure extends RuntimeException {
  private final int exitCode;

  public CliFailure(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  public CliFailure(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
