package dev.molt.cli;

import picocli.CommandLine.Command;

/** {@code molt upgrades}: the upgrades this host knows. Only groups its subcommands. */
@Command(
    name = "upgrades",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "COMMAND",
    description = "Lists, shows, follows and cancels upgrades.",
    subcommands = {
      UpgradesListCommand.class,
      UpgradesShowCommand.class,
      UpgradesWatchCommand.class,
      UpgradesCancelCommand.class
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt upgrades list",
      "  molt upgrades show 3f2a9c1e",
      "  molt upgrades watch 3f2a9c1e",
      "  molt upgrades cancel 3f2a9c1e --reason 'maintenance window closed'"
    })
final class UpgradesCommand {}
