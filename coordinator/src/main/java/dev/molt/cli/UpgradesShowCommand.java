package dev.molt.cli;

import dev.molt.api.v1.GetUpgradeRequest;
import dev.molt.api.v1.Upgrade;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code molt upgrades show ID}. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description = {
      "Shows one upgrade: its state, workloads, kernels, snapshots and, once the workloads are"
          + " back, its stop report.",
      "Exits 4 when there is no such upgrade."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt upgrades show 3f2a9c1e", "  molt upgrades show 3f2a9c1e -o json | jq .state"})
final class UpgradesShowCommand extends DaemonCommand {
  @Parameters(paramLabel = "ID", description = "The upgrade's id.")
  String upgradeId;

  @Override
  int run(DaemonConnection daemon) {
    Upgrade upgrade =
        daemon.upgrades().getUpgrade(GetUpgradeRequest.newBuilder().setUpgradeId(upgradeId).build());
    if (json()) {
      printJson(upgrade);
    } else {
      UpgradeViews.details(upgrade, out());
    }
    return ExitCodes.OK;
  }
}
