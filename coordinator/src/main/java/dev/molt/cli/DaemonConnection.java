package dev.molt.cli;

import dev.molt.api.v1.GetStatusRequest;
import dev.molt.api.v1.HostGrpc;
import dev.molt.api.v1.SnapshotsGrpc;
import dev.molt.api.v1.UpgradesGrpc;
import dev.molt.api.v1.WindowsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One channel to the daemon and the stubs the commands call on it. Every unary stub carries the
 * deadline given by {@code --timeout}, counted from the moment the stub is asked for: ask for a
 * new one per call.
 */
public final class DaemonConnection implements AutoCloseable {
  private final Endpoint endpoint;
  private final ManagedChannel channel;
  private final Duration timeout;

  DaemonConnection(Endpoint endpoint, ManagedChannel channel, Duration timeout) {
    this.endpoint = endpoint;
    this.channel = channel;
    this.timeout = timeout;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  /** Upgrades, with the unary deadline. */
  public UpgradesGrpc.UpgradesBlockingStub upgrades() {
    return UpgradesGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Upgrades without a deadline, for WatchUpgrade only: an upgrade's stream lasts as long as the
   * upgrade. The watcher bounds the time spent reconnecting instead.
   */
  public UpgradesGrpc.UpgradesBlockingStub upgradesForWatch() {
    return UpgradesGrpc.newBlockingStub(channel);
  }

  /** Livepatches, with the unary deadline (list calls). */
  public dev.molt.api.v1.LivepatchesGrpc.LivepatchesBlockingStub livepatches() {
    return dev.molt.api.v1.LivepatchesGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Livepatches with the given deadline, for apply and revert: their streams last as long as the
   * transition (its timeout and the reversal's), which --timeout does not bound.
   */
  public dev.molt.api.v1.LivepatchesGrpc.LivepatchesBlockingStub livepatchesFor(Duration deadline) {
    return dev.molt.api.v1.LivepatchesGrpc.newBlockingStub(channel)
        .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Snapshots, with the unary deadline. */
  public SnapshotsGrpc.SnapshotsBlockingStub snapshots() {
    return SnapshotsGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Audit, with the unary deadline. */
  public dev.molt.api.v1.AuditGrpc.AuditBlockingStub audit() {
    return dev.molt.api.v1.AuditGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Windows and scheduled upgrades, with the unary deadline. */
  public WindowsGrpc.WindowsBlockingStub windows() {
    return WindowsGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Host, with the unary deadline. */
  public HostGrpc.HostBlockingStub host() {
    return HostGrpc.newBlockingStub(channel)
        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Waits up to {@code max} for the daemon to answer again, returning as soon as it does.
   *
   * <p>A plain call cannot tell: after a failed connection gRPC's pick-first policy stays in
   * TRANSIENT_FAILURE until a new connection is READY, so a call made while it reconnects fails at
   * once, and a retry loop would only see the daemon back on the channel's own backoff, which grows
   * to two minutes. A wait-for-ready call waits through that instead; resetting the backoff first
   * makes the channel try at once.
   *
   * @return true once the daemon answered (with any status but a transport failure), false if it
   *     did not within {@code max}
   */
  public boolean awaitReachable(Duration max) {
    channel.resetConnectBackoff();
    try {
      HostGrpc.newBlockingStub(channel)
          .withWaitForReady()
          .withDeadlineAfter(max.toNanos(), TimeUnit.NANOSECONDS)
          .getStatus(GetStatusRequest.getDefaultInstance());
      return true;
    } catch (StatusRuntimeException e) {
      return switch (e.getStatus().getCode()) {
        case UNAVAILABLE, CANCELLED, DEADLINE_EXCEEDED -> false;
        default -> true; // it answered: whatever is wrong, the watch will say
      };
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
