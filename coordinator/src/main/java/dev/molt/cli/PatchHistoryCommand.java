package dev.molt.cli;

import dev.molt.api.v1.ListPatchOperationsRequest;
import dev.molt.api.v1.ListPatchOperationsResponse;
import dev.molt.api.v1.PatchOperation;
import java.time.Instant;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code molt patch history}. */
@Command(
    name = "history",
    mixinStandardHelpOptions = true,
    description = "Lists the journaled livepatch operations (apply, revert), newest first, and how each ended.",
    footerHeading = "%nExamples:%n",
    footer = {"  molt patch history --limit 5"})
final class PatchHistoryCommand extends DaemonCommand {
  @Option(names = "--limit", paramLabel = "N", defaultValue = "20", description = "At most this many (default: ${DEFAULT-VALUE}).")
  int limit;

  @Override
  int run(DaemonConnection daemon) {
    ListPatchOperationsResponse list = daemon.livepatches()
        .listPatchOperations(ListPatchOperationsRequest.newBuilder().setLimit(Math.max(1, limit)).build());
    if (json()) {
      printJson(list);
      return ExitCodes.OK;
    }
    var table = new TextTable("ID", "KIND", "PATCH", "STATE", "WHEN", "MESSAGE");
    for (PatchOperation op : list.getOperationsList()) {
      table.row(op.getId(), op.getKind().name().replaceFirst("^PATCH_", "").toLowerCase(), op.getPatch(),
          op.getState().name().replaceFirst("^PATCH_", ""), Instant.ofEpochMilli(op.getCreatedAtMillis()), op.getMessage());
    }
    table.print(out());
    return ExitCodes.OK;
  }
}
