package dev.molt.cli;

import picocli.CommandLine.Command;

/** {@code molt snapshot}: snapshots outside an upgrade. Only groups its subcommands. */
@Command(
    name = "snapshot",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "COMMAND",
    description = "Takes, lists, verifies, restores and deletes snapshots of workloads.",
    subcommands = {
      SnapshotCreateCommand.class,
      SnapshotListCommand.class,
      SnapshotVerifyCommand.class,
      SnapshotRestoreCommand.class,
      SnapshotRmCommand.class
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt snapshot create --workload cgroup:molt-demo/counter",
      "  molt snapshot list",
      "  molt snapshot verify 9b1c07aa",
      "  molt snapshot restore 9b1c07aa",
      "  molt snapshot rm 9b1c07aa"
    })
final class SnapshotCommand {}
