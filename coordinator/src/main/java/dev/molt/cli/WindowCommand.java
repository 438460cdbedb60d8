package dev.molt.cli;

import picocli.CommandLine.Command;

/** {@code molt window}: maintenance windows. Only groups its subcommands. */
@Command(
    name = "window",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "Adds, lists and removes maintenance windows: when scheduled upgrades (molt schedule,"
          + " molt upgrade --in-window) may run.",
      "A window opens at a local time in its zone (weekly days and a start, or a cron"
          + " expression) and stays open for its length in real time. Windows that overlap or"
          + " touch count as one. See docs/windows.md for daylight-saving changes."
    },
    subcommands = {WindowAddCommand.class, WindowListCommand.class, WindowRemoveCommand.class},
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt window add --name nightly --days mon-fri --start 02:00 --length 2h --zone Europe/Berlin",
      "  molt window add --name weekend --cron '30 23 * * sat' --length 4h --zone UTC",
      "  molt window list",
      "  molt window rm nightly"
    })
final class WindowCommand {}
