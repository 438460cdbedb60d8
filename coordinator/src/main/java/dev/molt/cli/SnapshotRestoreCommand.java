package dev.molt.cli;

import dev.molt.api.v1.RestoreSnapshotRequest;
import dev.molt.api.v1.RestoreSnapshotResponse;
import java.time.Duration;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code molt snapshot restore ID}. */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    description = {
      "Restores a snapshot's process tree, after verifying it. Its pids must be free.",
      "Exits 8 when the snapshot fails verification."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt snapshot restore 9b1c07aa"})
final class SnapshotRestoreCommand extends DaemonCommand {
  @Parameters(paramLabel = "ID", description = "The snapshot's id.")
  String snapshotId;

  @Option(
      names = "--tcp",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Restore established TCP connections (default: on).")
  boolean tcp;

  @Option(
      names = "--request-id",
      paramLabel = "ID",
      description = "Idempotency key (default: a random UUID).")
  String requestId;

  @Override
  Duration defaultTimeout() {
    return SnapshotCreateCommand.SNAPSHOT_TIMEOUT;
  }

  @Override
  int run(DaemonConnection daemon) {
    RestoreSnapshotResponse restored =
        daemon
            .snapshots()
            .restoreSnapshot(
                RestoreSnapshotRequest.newBuilder()
                    .setRequestId(requestId != null ? requestId : UUID.randomUUID().toString())
                    .setSnapshotId(snapshotId)
                    .setTcpEstablished(tcp)
                    .build());
    if (json()) {
      printJson(restored);
    } else {
      out().println("Restored snapshot " + snapshotId + ": its root process is pid "
          + restored.getPid() + ".");
    }
    return ExitCodes.OK;
  }
}
