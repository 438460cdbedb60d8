package dev.molt.cli;

import dev.molt.api.v1.VerifySnapshotRequest;
import dev.molt.api.v1.VerifySnapshotResponse;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code molt snapshot verify ID}. */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description = {
      "Checks every chunk of a snapshot against its manifest.",
      "Exits 0 when it is whole, 8 when it has problems (listed)."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt snapshot verify 9b1c07aa"})
final class SnapshotVerifyCommand extends DaemonCommand {
  @Parameters(paramLabel = "ID", description = "The snapshot's id.")
  String snapshotId;

  @Override
  Duration defaultTimeout() {
    return SnapshotCreateCommand.SNAPSHOT_TIMEOUT;
  }

  @Override
  int run(DaemonConnection daemon) {
    VerifySnapshotResponse result =
        daemon
            .snapshots()
            .verifySnapshot(VerifySnapshotRequest.newBuilder().setSnapshotId(snapshotId).build());
    if (json()) {
      printJson(result);
    } else if (result.getOk()) {
      out().println("Snapshot " + snapshotId + " is whole: "
          + Formats.bytes(result.getBytesChecked()) + " checked.");
    } else {
      out().println("Snapshot " + snapshotId + " is DAMAGED ("
          + Formats.bytes(result.getBytesChecked()) + " checked):");
      for (String problem : result.getProblemsList()) {
        out().println("  " + problem);
      }
    }
    return result.getOk() ? ExitCodes.OK : ExitCodes.DATA_LOSS;
  }
}
