package dev.molt.cli;

import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.UpgradeState;
import io.grpc.Status;
import java.io.PrintWriter;
import java.time.Duration;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress as one redrawn line on a terminal's stderr: a bar over the upgrade's phases (PLANNED is
 * 1 of 9, DONE 9 of 9), with the current state, the workload of several, the bytes of the current
 * phase, while parked the stop so far and the time left, and the daemon's message after it. Warnings and reconnect notes go on lines of their own above the bar.
 */
final class BarProgress implements UpgradeProgress {
  private static final int PHASES = UpgradeState.DONE.getNumber();

  private final TerminalLine line;
  private final ProgressBar bar;

  BarProgress(PrintWriter err, int width) {
    this.line = new TerminalLine(err, width);
    this.bar =
        ProgressBar.builder()
            .setTaskName("upgrade")
            .setInitialMax(PHASES)
            .setUnit(" phases", 1)
            .setStyle(ProgressBarStyle.UNICODE_BLOCK)
            .hideEta()
            .setUpdateIntervalMillis(250)
            .setConsumer(line)
            .build();
  }

  @Override
  public void onEvent(UpgradeEvent event) {
    UpgradeState state = event.getState();
    // Final states other than DONE stay where the upgrade stopped: the bar shows how far it got.
    if (state.getNumber() <= PHASES) {
      bar.stepTo(state.getNumber());
    }
    String message = event.getMessage().isEmpty() ? "" : ": " + event.getMessage();
    bar.setExtraMessage(state + " " + LineProgress.tasks(event) + LineProgress.bytes(event).strip()
        + LineProgress.stop(event) + message);
    for (String warning : event.getWarningsList()) {
      line.printAbove("warning: " + warning);
    }
  }

  @Override
  public void onDisconnected(Status cause, int attempt, Duration delay) {
    if (attempt == 1) {
      line.printAbove("lost moltd (" + cause.getCode() + ": " + Failures.detail(cause) + ")");
    }
    bar.setExtraMessage("reconnecting to moltd (attempt " + attempt + ")...");
  }

  @Override
  public void onReconnected(int attempts, Duration outage) {
    line.printAbove(
        "reconnected to moltd after " + attempts + " attempt(s) over "
            + Formats.millis(outage.toMillis()));
  }

  @Override
  public void close() {
    bar.close();
  }

  /**
   * Draws the bar on the terminal line of {@code err}: carriage return, the bar, spaces over what
   * a longer previous bar left. The bar's own thread and the watcher both write here, hence the
   * locking.
   */
  private static final class TerminalLine implements ProgressBarConsumer {
    private final PrintWriter err;
    private final int width;
    private String current = "";

    TerminalLine(PrintWriter err, int width) {
      this.err = err;
      this.width = width;
    }

    @Override
    public int getMaxRenderedLength() {
      return width;
    }

    @Override
    public synchronized void accept(String rendered) {
      String padding = " ".repeat(Math.max(0, current.length() - rendered.length()));
      err.print("\r" + rendered + padding);
      err.flush();
      current = rendered;
    }

    synchronized void printAbove(String text) {
      err.print("\r" + " ".repeat(current.length()) + "\r");
      err.println(text);
      err.print(current);
      err.flush();
    }

    @Override
    public synchronized void close() {
      err.println();
      err.flush();
    }
  }
}
