package dev.molt.cli;

import dev.molt.api.v1.GetUpgradeRequest;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.WatchUpgradeRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Iterator;

/**
 * Follows an upgrade to its final state through WatchUpgrade, surviving the daemon going away: the
 * on-host restart switch restarts moltd, and a kexec reboots its host.
 *
 * <p>When the stream fails with UNAVAILABLE or CANCELLED, or ends before a final state, the watcher
 * waits for the daemon to answer again, each wait at most the next {@link Backoff} delay, then asks
 * for the events after the last sequence it saw: none is lost or shown twice. It gives up once no
 * event has arrived for {@code reconnectTimeout} since the outage began.
 */
final class UpgradeWatcher {
  private final DaemonConnection daemon;
  private final TimeSource time;
  private final Backoff backoff;
  private final Duration reconnectTimeout;

  UpgradeWatcher(
      DaemonConnection daemon, TimeSource time, Backoff backoff, Duration reconnectTimeout) {
    this.daemon = daemon;
    this.time = time;
    this.backoff = backoff;
    this.reconnectTimeout = reconnectTimeout;
  }

  /**
   * Shows the upgrade's events from the first one on and returns the upgrade as it ended.
   *
   * @throws StatusRuntimeException any failure but the daemon going away (NOT_FOUND for an unknown
   *     id)
   * @throws CliFailure with {@link ExitCodes#UNAVAILABLE} once reconnecting takes too long
   */
  Upgrade watch(String upgradeId, UpgradeProgress progress) throws InterruptedException {
    long lastSequence = 0;
    int attempts = 0; // reconnect attempts in the current outage; 0 while events flow
    long outageStart = 0;
    while (true) {
      Stream stream = null;
      Status broken;
      try {
        stream = new Stream(upgradeId, lastSequence);
        while (stream.hasNext()) {
          UpgradeEvent event = stream.next();
          // Journaled events once each (a reconnect replays from the last one shown); live
          // progress follows the journaled event whose sequence it repeats.
          boolean live = event.getKind() == UpgradeEvent.Kind.PROGRESS;
          if (live ? event.getSequence() < lastSequence : event.getSequence() <= lastSequence) {
            continue; // already shown before a reconnect, or progress of an earlier state
          }
          if (!live) {
            lastSequence = event.getSequence();
          }
          if (attempts > 0) {
            progress.onReconnected(attempts, Duration.ofNanos(time.nanoTime() - outageStart));
            attempts = 0;
          }
          progress.onEvent(event);
          if (UpgradeViews.isFinal(event.getState())) {
            return event.hasUpgrade() ? event.getUpgrade() : fetch(upgradeId);
          }
        }
        broken =
            Status.UNAVAILABLE.withDescription(
                "the event stream ended before the upgrade reached a final state");
      } catch (StatusRuntimeException e) {
        if (!daemonWentAway(e.getStatus())) {
          throw e;
        }
        broken = e.getStatus();
      } finally {
        if (stream != null) {
          stream.cancel();
        }
      }
      if (attempts == 0) {
        outageStart = time.nanoTime();
      }
      boolean reachable;
      do {
        attempts++;
        Duration waited = Duration.ofNanos(time.nanoTime() - outageStart);
        Duration left = reconnectTimeout.minus(waited);
        if (!left.isPositive()) {
          throw gaveUp(upgradeId, attempts - 1, waited, broken);
        }
        Duration delay = backoff.delay(attempts);
        delay = delay.compareTo(left) < 0 ? delay : left;
        progress.onDisconnected(broken, attempts, delay);
        reachable = awaitDaemon(delay);
      } while (!reachable);
    }
  }

  /**
   * UNAVAILABLE when the connection is lost or refused; CANCELLED when the daemon shuts its server
   * down under an open stream (measured over a Unix socket: "RST_STREAM closed stream. HTTP/2 error
   * code: CANCEL"). The CLI never cancels a watch it still reads, so CANCELLED here is the daemon
   * going away too.
   */
  static boolean daemonWentAway(Status status) {
    return status.getCode() == Status.Code.UNAVAILABLE || status.getCode() == Status.Code.CANCELLED;
  }

  /**
   * Waits until the daemon answers, at most {@code delay}; true if it did. The wait is counted on
   * {@link TimeSource}: whatever part of {@code delay} the probe did not spend is slept.
   */
  private boolean awaitDaemon(Duration delay) throws InterruptedException {
    long start = time.nanoTime();
    if (daemon.awaitReachable(delay)) {
      return true;
    }
    Duration spent = Duration.ofNanos(time.nanoTime() - start);
    if (spent.compareTo(delay) < 0) {
      time.sleep(delay.minus(spent));
    }
    return false;
  }

  private CliFailure gaveUp(String upgradeId, int attempts, Duration waited, Status broken) {
    return new CliFailure(
        ExitCodes.UNAVAILABLE,
        "gave up after " + attempts + " reconnect attempt(s) over " + Formats.duration(waited)
            + " (--reconnect-timeout " + Formats.duration(reconnectTimeout) + "): "
            + Failures.describe(broken, daemon.endpoint())
            + ". The upgrade goes on without this client; follow it with `molt upgrades watch "
            + upgradeId + "`");
  }

  private Upgrade fetch(String upgradeId) {
    return daemon
        .upgrades()
        .getUpgrade(GetUpgradeRequest.newBuilder().setUpgradeId(upgradeId).build());
  }

  /**
   * One WatchUpgrade call, in a cancellable context: leaving the loop early (an exception in the
   * view, say) cancels the call instead of leaving it open on the daemon.
   */
  private final class Stream {
    private final Context.CancellableContext context = Context.current().withCancellation();
    private final Iterator<UpgradeEvent> events;

    Stream(String upgradeId, long afterSequence) {
      Context previous = context.attach();
      try {
        events =
            daemon
                .upgradesForWatch()
                .watchUpgrade(
                    WatchUpgradeRequest.newBuilder()
                        .setUpgradeId(upgradeId)
                        .setAfterSequence(afterSequence)
                        .build());
      } finally {
        context.detach(previous);
      }
    }

    boolean hasNext() {
      return events.hasNext();
    }

    UpgradeEvent next() {
      return events.next();
    }

    void cancel() {
      context.cancel(null);
    }
  }
}
