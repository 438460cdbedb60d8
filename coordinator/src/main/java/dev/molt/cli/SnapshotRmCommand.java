package dev.molt.cli;

import dev.molt.api.v1.DeleteSnapshotRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code molt snapshot rm ID}. */
@Command(
    name = "rm",
    mixinStandardHelpOptions = true,
    description = {
      "Deletes a snapshot from the store.",
      "Exits 3 while an unfinished upgrade still needs it, 4 when there is no such snapshot."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt snapshot rm 9b1c07aa"})
final class SnapshotRmCommand extends DaemonCommand {
  @Parameters(paramLabel = "ID", description = "The snapshot's id.")
  String snapshotId;

  @Override
  int run(DaemonConnection daemon) {
    var deleted =
        daemon
            .snapshots()
            .deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId(snapshotId).build());
    if (json()) {
      printJson(deleted);
    } else {
      out().println("Deleted snapshot " + snapshotId + ".");
    }
    return ExitCodes.OK;
  }
}
