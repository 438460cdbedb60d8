package dev.molt.cli;

import picocli.CommandLine.Command;

/** {@code molt patch}: livepatches. Only groups its subcommands. */
@Command(
    name = "patch",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "COMMAND",
    description = {
      "Applies, lists and reverts kernel livepatches: small fixes without stopping anything.",
      "Molt checks a module against the running kernel before loading it, follows the transition"
          + " (tasks switch to the new code one by one), nudges sleeping tasks that hold it, and"
          + " reverses it at a timeout, reporting who blocked."
    },
    subcommands = {
      PatchApplyCommand.class,
      PatchListCommand.class,
      PatchRevertCommand.class,
      PatchHistoryCommand.class
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt patch apply /var/lib/livepatch/fix-cve-2026-1234.ko",
      "  molt patch apply fix.ko --grace 3s --transition-timeout 2m",
      "  molt patch list",
      "  molt patch revert fix_cve_2026_1234",
      "  molt patch history"
    })
final class PatchCommand {}
