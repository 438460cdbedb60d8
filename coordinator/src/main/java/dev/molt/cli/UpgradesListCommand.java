package dev.molt.cli;

import dev.molt.api.v1.ListUpgradesRequest;
import dev.molt.api.v1.ListUpgradesResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code molt upgrades list}. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "Lists the upgrades this host knows, newest first.",
    footerHeading = "%nExamples:%n",
    footer = {"  molt upgrades list --limit 10", "  molt upgrades list -o json | jq -r '.upgrades[].id'"})
final class UpgradesListCommand extends DaemonCommand {
  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "50",
      description = "At most this many (default: ${DEFAULT-VALUE}).")
  int limit;

  @Override
  int run(DaemonConnection daemon) {
    if (limit < 1) {
      throw new ParameterException(spec.commandLine(), "--limit must be at least 1, was " + limit);
    }
    ListUpgradesResponse list =
        daemon.upgrades().listUpgrades(ListUpgradesRequest.newBuilder().setLimit(limit).build());
    if (json()) {
      printJson(list);
    } else {
      UpgradeViews.table(list.getUpgradesList(), out());
    }
    return ExitCodes.OK;
  }
}
