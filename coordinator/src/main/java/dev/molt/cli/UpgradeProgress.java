package dev.molt.cli;

import dev.molt.api.v1.UpgradeEvent;
import io.grpc.Status;
import java.time.Duration;

/** What the user sees while an upgrade is followed: its events, and the daemon coming and going. */
interface UpgradeProgress extends AutoCloseable {
  /** An event of the upgrade, in sequence order, each once. */
  void onEvent(UpgradeEvent event);

  /**
   * The stream to the daemon broke ({@code cause}); the watcher tries again after {@code delay}.
   * {@code attempt} counts the tries of this outage from 1.
   */
  void onDisconnected(Status cause, int attempt, Duration delay);

  /** Events flow again, after {@code attempts} tries over {@code outage}. */
  void onReconnected(int attempts, Duration outage);

  /** The upgrade ended or the watch gave up; the view leaves the terminal tidy. */
  @Override
  void close();
}
