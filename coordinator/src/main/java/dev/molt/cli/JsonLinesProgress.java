package dev.molt.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.molt.api.v1.UpgradeEvent;
import io.grpc.Status;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * {@code --output json} of a followed upgrade: each event of the stream as one JSON object per line
 * on stdout (JSON Lines), the same events the bar and the lines are drawn from; the last line is the
 * final state's event, whose {@code upgrade} holds the stop report. Comings and goings of the daemon
 * go to stderr, as text.
 */
final class JsonLinesProgress implements UpgradeProgress {
  private static final JsonFormat.Printer ONE_LINE =
      JsonFormat.printer().alwaysPrintFieldsWithNoPresence().omittingInsignificantWhitespace();

  private final PrintWriter out;
  private final LineProgress notes;
  private UpgradeEvent last;

  JsonLinesProgress(PrintWriter out, PrintWriter err) {
    this.out = out;
    this.notes = new LineProgress(err, false);
  }

  @Override
  public void onEvent(UpgradeEvent event) {
    print(event);
    last = event;
  }

  /**
   * After the watch: when the last line did not carry the final upgrade (the watcher had to fetch
   * it), one more line, the final state's event with it, so the last line always holds it.
   */
  void finish(dev.molt.api.v1.Upgrade upgrade) {
    if (last == null || !last.hasUpgrade()) {
      UpgradeEvent.Builder end = last == null
          ? UpgradeEvent.newBuilder().setUpgradeId(upgrade.getId()).setKind(UpgradeEvent.Kind.STATE)
          : last.toBuilder();
      print(end.setState(upgrade.getState()).setUpgrade(upgrade).build());
    }
  }

  private void print(UpgradeEvent event) {
    try {
      out.println(ONE_LINE.print(event));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot print an upgrade event", e);
    }
    out.flush();
  }

  @Override
  public void onDisconnected(Status cause, int attempt, Duration delay) {
    notes.onDisconnected(cause, attempt, delay);
  }

  @Override
  public void onReconnected(int attempts, Duration outage) {
    notes.onReconnected(attempts, outage);
  }

  @Override
  public void close() {
    out.flush();
    notes.close();
  }
}
