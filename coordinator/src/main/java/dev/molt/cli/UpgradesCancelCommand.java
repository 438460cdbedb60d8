package dev.molt.cli;

import dev.molt.api.v1.CancelUpgradeRequest;
import dev.molt.api.v1.Upgrade;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code molt upgrades cancel ID}. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description = {
      "Asks a running upgrade to stop. Before the switch it aborts and thaws the workloads on the"
          + " old kernel. After the switch it cannot be cancelled (exit 3): the snapshot is then"
          + " the workloads' only copy, and the upgrade must finish or roll back.",
      "Prints the upgrade as the daemon left it; `molt upgrades watch ID` follows it to its end."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt upgrades cancel 3f2a9c1e --reason 'maintenance window closed'"})
final class UpgradesCancelCommand extends DaemonCommand {
  @Parameters(paramLabel = "ID", description = "The upgrade's id.")
  String upgradeId;

  @Option(
      names = "--reason",
      paramLabel = "TEXT",
      defaultValue = "cancelled with molt upgrades cancel",
      description = "Why; kept with the upgrade (default: \"${DEFAULT-VALUE}\").")
  String reason;

  @Override
  int run(DaemonConnection daemon) {
    Upgrade upgrade =
        daemon
            .upgrades()
            .cancelUpgrade(
                CancelUpgradeRequest.newBuilder().setUpgradeId(upgradeId).setReason(reason).build());
    if (json()) {
      printJson(upgrade);
    } else {
      out().println("Cancel requested: upgrade " + upgrade.getId() + " is " + upgrade.getState()
          + (upgrade.getReason().isEmpty() ? "" : " (" + upgrade.getReason() + ")") + ".");
    }
    return ExitCodes.OK;
  }
}
