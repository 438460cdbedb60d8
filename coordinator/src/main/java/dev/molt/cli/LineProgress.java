package dev.molt.cli;

import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.UpgradeState;
import io.grpc.Status;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Progress as plain lines on stderr, for logs and pipes: one line when the state or the message
 * changes (byte counts alone do not make a line). With {@code showEvents} off (JSON output), only
 * warnings and the daemon's comings and goings.
 */
final class LineProgress implements UpgradeProgress {
  private final PrintWriter err;
  private final boolean showEvents;
  private UpgradeState lastState;
  private String lastMessage;

  LineProgress(PrintWriter err, boolean showEvents) {
    this.err = err;
    this.showEvents = showEvents;
  }

  @Override
  public void onEvent(UpgradeEvent event) {
    if (showEvents
        && (event.getState() != lastState || !event.getMessage().equals(lastMessage))) {
      err.printf("%-11s %s%s%s%n", event.getState(), event.getMessage(), bytes(event), stop(event));
      lastState = event.getState();
      lastMessage = event.getMessage();
    }
    for (String warning : event.getWarningsList()) {
      err.println("warning: " + warning);
    }
    err.flush();
  }

  @Override
  public void onDisconnected(Status cause, int attempt, Duration delay) {
    if (attempt == 1) {
      err.println("lost moltd (" + cause.getCode() + ": " + Failures.detail(cause)
          + "); reconnecting...");
      err.flush();
    }
  }

  @Override
  public void onReconnected(int attempts, Duration outage) {
    err.printf("reconnected to moltd after %d attempt(s) over %s%n", attempts,
        Formats.millis(outage.toMillis()));
    err.flush();
  }

  @Override
  public void close() {
    err.flush();
  }

  /**
   * While the workloads are parked: " [parked 1.2 s, ~6.1 s left]" (the time left only when the
   * daemon has past stops to estimate from), else "".
   */
  static String stop(UpgradeEvent event) {
    if (event.getParkedMillis() <= 0) {
      return "";
    }
    String left = event.getEtaKnown() ? ", ~" + seconds(event.getEtaMillis()) + " left" : "";
    return " [parked " + seconds(event.getParkedMillis()) + left + "]";
  }

  /** "workload 2/3 " for a progress event about one of several workloads, else "". */
  static String tasks(UpgradeEvent event) {
    if (event.getKind() != UpgradeEvent.Kind.PROGRESS || event.getTasksTotal() <= 1) {
      return "";
    }
    return "workload " + (event.getTasksDone() + 1) + "/" + event.getTasksTotal() + " ";
  }

  private static String seconds(long millis) {
    return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
  }

  /** " (12.0 MiB of 57.0 MiB)", " (12.0 MiB)" or "". */
  static String bytes(UpgradeEvent event) {
    if (event.getBytesTotal() > 0) {
      return " (" + Formats.bytes(event.getBytesDone()) + " of "
          + Formats.bytes(event.getBytesTotal()) + ")";
    }
    return event.getBytesDone() > 0 ? " (" + Formats.bytes(event.getBytesDone()) + ")" : "";
  }
}
