package dev.molt.cli;

import dev.molt.api.v1.ListSnapshotsRequest;
import dev.molt.api.v1.ListSnapshotsResponse;
import picocli.CommandLine.Command;

/** {@code molt snapshot list}. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "Lists the snapshots in the store.",
    footerHeading = "%nExamples:%n",
    footer = {"  molt snapshot list", "  molt snapshot list -o json | jq -r '.snapshots[].id'"})
final class SnapshotListCommand extends DaemonCommand {
  @Override
  int run(DaemonConnection daemon) {
    ListSnapshotsResponse list =
        daemon.snapshots().listSnapshots(ListSnapshotsRequest.getDefaultInstance());
    if (json()) {
      printJson(list);
    } else {
      SnapshotViews.table(list.getSnapshotsList(), out());
    }
    return ExitCodes.OK;
  }
}
