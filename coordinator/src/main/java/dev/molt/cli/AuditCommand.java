package dev.molt.cli;

import dev.molt.api.v1.AuditEntry;
import dev.molt.api.v1.ListAuditEntriesRequest;
import dev.molt.api.v1.ListAuditEntriesResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code molt audit}: who changed what on this host, and who was refused. */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the audit log, newest first: every call that could change this host (upgrades,"
          + " snapshots, cancels) and every refused call, with who made it, from where, when and"
          + " how it ended."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt audit --limit 20", "  molt audit -o json | jq -r '.entries[] | select(.code != \"OK\")'"})
final class AuditCommand extends DaemonCommand {
  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "50",
      description = "At most this many entries (default: ${DEFAULT-VALUE}, at most 10000).")
  int limit;

  @Override
  int run(DaemonConnection daemon) {
    if (limit < 1 || limit > 10_000) {
      throw new ParameterException(spec.commandLine(), "--limit must be between 1 and 10000, was " + limit);
    }
    ListAuditEntriesResponse list =
        daemon.audit().listAuditEntries(ListAuditEntriesRequest.newBuilder().setLimit(limit).build());
    if (json()) {
      printJson(list);
      return ExitCodes.OK;
    }
    if (list.getEntriesCount() == 0) {
      out().println("The audit log is empty.");
      return ExitCodes.OK;
    }
    TextTable table = new TextTable("#", "TIME", "WHO", "ROLE", "FROM", "METHOD", "REQUEST", "RESULT");
    for (AuditEntry e : list.getEntriesList()) {
      table.row(
          e.getSequence(),
          Formats.time(e.getAtMillis()),
          e.getPrincipal(),
          e.getRole(),
          e.getPeer(),
          e.getMethod().replaceFirst("^molt\\.v1\\.", ""),
          Formats.orDash(e.getRequestId()),
          e.getCode().equals("OK") ? "OK" : e.getCode() + ": " + shorten(e.getMessage()));
    }
    table.print(out());
    return ExitCodes.OK;
  }

  private static String shorten(String s) {
    return s.length() <= 100 ? s : s.substring(0, 97) + "...";
  }

}
