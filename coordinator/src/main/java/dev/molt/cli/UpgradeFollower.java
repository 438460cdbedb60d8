package dev.molt.cli;

import dev.molt.api.v1.Upgrade;
import java.time.Duration;

/**
 * Follows an upgrade to its end for {@code upgrade} and {@code upgrades watch}: progress on stderr
 * (a bar on a terminal, lines elsewhere), then the outcome and stop report on stdout; or, with JSON
 * output, every event as a line of JSON on stdout, the final one holding the upgrade. The exit
 * code is that of the final state.
 */
final class UpgradeFollower {
  /** Default of --reconnect-timeout: a kexec'd host takes minutes to boot on real firmware. */
  static final String DEFAULT_RECONNECT_TIMEOUT = "10m";

  private static final int DEFAULT_WIDTH = 80;

  private UpgradeFollower() {}

  static int follow(
      DaemonCommand command, DaemonConnection daemon, String upgradeId, Duration reconnectTimeout)
      throws InterruptedException {
    CliContext context = command.cli().context();
    var watcher = new UpgradeWatcher(daemon, context.time(), context.backoff(), reconnectTimeout);
    Upgrade upgrade;
    try (UpgradeProgress progress = progressFor(command, context)) {
      upgrade = watcher.watch(upgradeId, progress);
      if (progress instanceof JsonLinesProgress lines) {
        lines.finish(upgrade);
      }
    }
    if (!command.json()) {
      // With JSON the stream's last line was the final event, which holds this upgrade.
      UpgradeViews.outcome(upgrade, command.out());
    }
    return ExitCodes.forFinalState(upgrade.getState());
  }

  private static UpgradeProgress progressFor(DaemonCommand command, CliContext context) {
    if (command.json()) {
      return new JsonLinesProgress(command.out(), command.err());
    }
    if (context.errIsTerminal().getAsBoolean()) {
      return new BarProgress(command.err(), width(context));
    }
    return new LineProgress(command.err(), true);
  }

  /** The terminal's width, from COLUMNS when the shell exports it. */
  private static int width(CliContext context) {
    try {
      int columns = Integer.parseInt(context.env().getOrDefault("COLUMNS", ""));
      return columns >= 40 ? columns - 1 : DEFAULT_WIDTH;
    } catch (NumberFormatException e) {
      return DEFAULT_WIDTH;
    }
  }
}
