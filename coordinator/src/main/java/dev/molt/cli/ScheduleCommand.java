package dev.molt.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code molt schedule}: an upgrade that waits for a maintenance window. */
@Command(
    name = "schedule",
    mixinStandardHelpOptions = true,
    description = {
      "Schedules an upgrade to run in a maintenance window, when its stop fits.",
      "",
      "The windows are those of molt window add. The daemon keeps the scheduled upgrade"
          + " (across its restarts) and starts it once a window is open with room for the"
          + " estimated stop plus a margin, and every blocker passes; blockers are checked again"
          + " right before the workloads are parked. Otherwise it waits for the next window and"
          + " says why (molt status, molt schedules list).",
      "Prints the scheduled upgrade's id and returns; once started, follow the upgrade with"
          + " `molt upgrades watch ID`."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt schedule --workload unit:redis-server.service \\",
      "      --kernel /boot/vmlinuz-6.1.0-56-amd64 --initrd /boot/initrd.img-6.1.0-56-amd64 \\",
      "      --blocker-cmd '! test -f /var/run/reboot-blocked' \\",
      "      --blocker-http http://alerts.example.net/api/healthy",
      "  molt schedule --workload pid:4242 --switch restart --window nightly"
    })
final class ScheduleCommand extends DaemonCommand {
  @Mixin UpgradeSpecOptions upgrade;
  @Mixin ScheduleOptions schedule;

  @Option(
      names = "--request-id",
      paramLabel = "ID",
      description = "Idempotency key, at most 100 characters (default: a random UUID).")
  String requestId;

  @Override
  int run(DaemonConnection daemon) {
    var request =
        schedule.request(spec, ScheduleOptions.requestId(spec, requestId), upgrade.toSpec(spec, daemon.endpoint()));
    return ScheduleOptions.schedule(this, daemon.windows(), request);
  }
}
