package dev.molt.cli;

import dev.molt.api.v1.GetStatusRequest;
import dev.molt.api.v1.HostStatus;
import picocli.CommandLine.Command;

/** {@code molt check}: can this host upgrade its kernel with Molt? */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Checks that this host can run an upgrade: its kernel, CRIU's version and whether CRIU"
          + " works on this kernel, the snapshot store's space, and any upgrade under way.",
      "Exits 3 when CRIU is missing or does not work on this kernel."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt check", "  molt check --output json | jq .criuKernelOk"})
final class CheckCommand extends DaemonCommand {
  @Override
  int run(DaemonConnection daemon) {
    HostStatus host = daemon.host().getStatus(GetStatusRequest.getDefaultInstance());
    boolean criuFound = !host.getCriuVersion().isEmpty();
    boolean ready = criuFound && host.getCriuKernelOk();
    if (json()) {
      printJson(host);
    } else {
      var table = new TextTable("CHECK", "FOUND", "RESULT");
      table.row("kernel", host.getKernelRelease(), "ok");
      table.row(
          "criu",
          criuFound ? host.getCriuVersion() : "not found",
          criuFound ? "ok" : "FAIL: install CRIU 4.2 or later (scripts/install-deps.sh)");
      table.row(
          "criu on this kernel",
          host.getCriuKernelOk() ? "supported" : "unsupported",
          host.getCriuKernelOk()
              ? "ok"
              : "FAIL: `criu check` fails here; the daemon's log says which feature is missing");
      table.row(
          "store",
          Formats.orDash(host.getStorePath()),
          Formats.bytes(host.getStoreUsedBytes()) + " used, "
              + Formats.bytes(host.getStoreFreeBytes()) + " free, "
              + host.getSnapshots() + " snapshot(s)");
      table.row(
          "upgrade under way",
          host.hasActiveUpgrade() ? host.getActiveUpgrade().getId() : "none",
          host.hasActiveUpgrade()
              ? host.getActiveUpgrade().getState()
                  + " since " + Formats.time(host.getActiveUpgrade().getUpdatedAtMillis())
              : "-");
      table.print(out());
      out().println();
      out().println(ready ? "Ready for an upgrade." : "Not ready for an upgrade: see FAIL above.");
    }
    return ready ? ExitCodes.OK : ExitCodes.PRECONDITION;
  }
}
