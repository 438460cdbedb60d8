package dev.molt.cli;

import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code molt upgrades watch ID}. */
@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Follows an upgrade to its end, showing its progress, then prints its outcome and stop"
          + " report. Shows every event from the start, so it also reports on a finished upgrade."
          + " Reconnects when the daemon restarts, as `molt upgrade` does.",
      "Exits with the upgrade's outcome: 0 DONE, 1 ABORTED or ROLLED_BACK, 5 FAILED."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt upgrades watch 3f2a9c1e", "  molt upgrades watch 3f2a9c1e -o json"})
final class UpgradesWatchCommand extends DaemonCommand {
  @Parameters(paramLabel = "ID", description = "The upgrade's id.")
  String upgradeId;

  @Option(
      names = "--reconnect-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = UpgradeFollower.DEFAULT_RECONNECT_TIMEOUT,
      description = "How long to keep reconnecting when the daemon is gone"
          + " (default: ${DEFAULT-VALUE}).")
  Duration reconnectTimeout;

  @Override
  int run(DaemonConnection daemon) throws InterruptedException {
    return UpgradeFollower.follow(this, daemon, upgradeId, reconnectTimeout);
  }
}
