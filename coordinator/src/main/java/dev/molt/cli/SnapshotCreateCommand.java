package dev.molt.cli;

import dev.molt.api.v1.CreateSnapshotRequest;
import dev.molt.api.v1.Snapshot;
import dev.molt.api.v1.Workload;
import java.time.Duration;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code molt snapshot create}. */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    description = {
      "Parks a workload, checkpoints it into the snapshot store and lets it run on (or ends it,"
          + " with --stop, as an upgrade does). Prints the snapshot.",
      "Exits 9 when the store has no room for it."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt snapshot create --workload cgroup:molt-demo/counter",
      "  molt snapshot create --workload pid:4242 --stop --no-tcp"
    })
final class SnapshotCreateCommand extends DaemonCommand {
  /** A checkpoint writes the workload's whole memory: minutes for a big one. */
  static final Duration SNAPSHOT_TIMEOUT = Duration.ofMinutes(10);

  @Option(
      names = {"-w", "--workload"},
      paramLabel = "SPEC",
      required = true,
      converter = WorkloadSpec.class,
      description = "What to snapshot: cgroup:PATH, unit:NAME.service or pid:N.")
  Workload workload;

  @Option(names = "--stop", description = "End the workload once it is checkpointed.")
  boolean stop;

  @Option(
      names = "--tcp",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Checkpoint established TCP connections (default: on).")
  boolean tcp;

  @Option(
      names = "--request-id",
      paramLabel = "ID",
      description = "Idempotency key (default: a random UUID).")
  String requestId;

  @Override
  Duration defaultTimeout() {
    return SNAPSHOT_TIMEOUT;
  }

  @Override
  int run(DaemonConnection daemon) {
    Snapshot snapshot =
        daemon
            .snapshots()
            .createSnapshot(
                CreateSnapshotRequest.newBuilder()
                    .setRequestId(requestId != null ? requestId : UUID.randomUUID().toString())
                    .setWorkload(workload)
                    .setStop(stop)
                    .setTcpEstablished(tcp)
                    .build());
    if (json()) {
      printJson(snapshot);
    } else {
      SnapshotViews.details(snapshot, out());
    }
    return ExitCodes.OK;
  }
}
