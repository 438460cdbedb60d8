package dev.molt.cli;

import dev.molt.api.v1.GetStatusRequest;
import dev.molt.api.v1.HostStatus;
import dev.molt.api.v1.ListUpgradesRequest;
import dev.molt.api.v1.ListScheduledRequest;
import dev.molt.api.v1.ListWindowsRequest;
import dev.molt.api.v1.ListWindowsResponse;
import dev.molt.api.v1.ScheduledState;
import dev.molt.api.v1.ScheduledUpgrade;
import dev.molt.api.v1.Upgrade;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.LinkedHashMap;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code molt status}: the host and its last upgrades. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Shows the host (kernel, CRIU, snapshot store, the upgrade under way), the next maintenance"
          + " window and the scheduled upgrades waiting for it (and why), and the last upgrades.",
      "With --output json: {\"host\": HostStatus, \"upgrades\": [Upgrade, ...],"
          + " \"windows\": ListWindowsResponse, \"scheduled\": [ScheduledUpgrade, ...]}."
    },
    footerHeading = "%nExamples:%n",
    footer = {"  molt status", "  molt status --last 20", "  molt status -o json"})
final class StatusCommand extends DaemonCommand {
  @Option(
      names = "--last",
      paramLabel = "N",
      defaultValue = "5",
      description = "How many of the latest upgrades to show (default: ${DEFAULT-VALUE}).")
  int last;

  @Override
  int run(DaemonConnection daemon) {
    if (last < 1) {
      throw new ParameterException(
          spec.commandLine(), "--last must be at least 1, was " + last);
    }
    HostStatus host = daemon.host().getStatus(GetStatusRequest.getDefaultInstance());
    List<Upgrade> upgrades =
        daemon
            .upgrades()
            .listUpgrades(ListUpgradesRequest.newBuilder().setLimit(last).build())
            .getUpgradesList();
    Windows windows = windows(daemon);
    if (json()) {
      var members = new LinkedHashMap<String, Object>();
      members.put("host", host);
      members.put("upgrades", upgrades);
      if (windows != null) {
        members.put("windows", windows.list());
        members.put("scheduled", windows.waiting());
      }
      out().println(Json.object(members));
      return ExitCodes.OK;
    }
    var table = new TextTable("Host", "");
    table.row("kernel", host.getKernelRelease());
    table.row(
        "criu",
        host.getCriuVersion().isEmpty()
            ? "not found"
            : host.getCriuVersion()
                + (host.getCriuKernelOk() ? " (works on this kernel)" : " (FAILS on this kernel)"));
    table.row(
        "store",
        Formats.orDash(host.getStorePath()) + ": " + Formats.bytes(host.getStoreUsedBytes())
            + " used, " + Formats.bytes(host.getStoreFreeBytes()) + " free, "
            + host.getSnapshots() + " snapshot(s)");
    table.row(
        "under way",
        host.hasActiveUpgrade()
            ? host.getActiveUpgrade().getId() + " " + host.getActiveUpgrade().getState()
            : "no upgrade");
    if (windows != null) {
      table.row("next window", WindowViews.opening(windows.list()));
      if (windows.waiting().isEmpty()) {
        table.row("waiting", "no scheduled upgrade");
      }
      for (ScheduledUpgrade s : windows.waiting()) {
        table.row("waiting", s.getId() + ": " + s.getReason());
      }
    }
    table.print(out());
    out().println();
    out().println("Last upgrades:");
    UpgradeViews.table(upgrades, out());
    return ExitCodes.OK;
  }

  /** The windows' part of the status: the next opening, the waiting scheduled upgrades. */
  record Windows(ListWindowsResponse list, List<ScheduledUpgrade> waiting) {}

  /** Null from a daemon without the Windows service (older than it): status shows the rest. */
  private static Windows windows(DaemonConnection daemon) {
    try {
      ListWindowsResponse list = daemon.windows().listWindows(ListWindowsRequest.getDefaultInstance());
      List<ScheduledUpgrade> waiting =
          daemon.windows().listScheduled(ListScheduledRequest.getDefaultInstance()).getScheduledList()
              .stream()
              .filter(s -> s.getState() == ScheduledState.WAITING)
              .toList();
      return new Windows(list, waiting);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.UNIMPLEMENTED) {
        return null;
      }
      throw e;
    }
  }
}
