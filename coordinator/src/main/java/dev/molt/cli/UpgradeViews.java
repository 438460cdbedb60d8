package dev.molt.cli;

import dev.molt.api.v1.StopReport;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeState;
import dev.molt.api.v1.Workload;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** How upgrades read in the text output: a table row each, a full view, the stop report. */
final class UpgradeViews {
  private UpgradeViews() {}

  /** One row per upgrade: id, state, when created, kernels, stop, reason. */
  static void table(List<Upgrade> upgrades, PrintWriter out) {
    if (upgrades.isEmpty()) {
      out.println("No upgrades yet.");
      return;
    }
    var table = new TextTable("ID", "STATE", "CREATED", "KERNEL", "STOP", "REASON");
    for (Upgrade upgrade : upgrades) {
      table.row(
          upgrade.getId(),
          upgrade.getState(),
          Formats.time(upgrade.getCreatedAtMillis()),
          kernels(upgrade),
          upgrade.hasStopReport() ? Formats.millis(upgrade.getStopReport().getTotalStopMillis()) : "-",
          Formats.orDash(upgrade.getReason()));
    }
    table.print(out);
  }

  /** Everything about one upgrade, then its stop report when it has one. */
  static void details(Upgrade upgrade, PrintWriter out) {
    var table = new TextTable("Upgrade", upgrade.getId());
    table.row("state", upgrade.getState());
    if (!upgrade.getReason().isEmpty()) {
      table.row("reason", upgrade.getReason());
    }
    table.row("request id", Formats.orDash(upgrade.getRequestId()));
    table.row("created", Formats.time(upgrade.getCreatedAtMillis()));
    table.row("updated", Formats.time(upgrade.getUpdatedAtMillis()));
    table.row("kernel", kernels(upgrade));
    table.row("switch", switchMethod(upgrade.getSpec().getSwitchMethod()));
    table.row("workloads", workloads(upgrade.getSpec().getWorkloadsList()));
    table.row("tcp", upgrade.getSpec().getTcpEstablished() ? "established connections kept" : "off");
    table.row("snapshots", upgrade.getSnapshotIdsList().isEmpty()
        ? "-" : String.join(", ", upgrade.getSnapshotIdsList()));
    table.print(out);
    if (upgrade.hasStopReport()) {
      out.println();
      stopReport(upgrade.getStopReport(), out);
    }
  }

  /** The outcome of a finished upgrade: a line on its final state, the stop report if any. */
  static void outcome(Upgrade upgrade, PrintWriter out) {
    out.println(headline(upgrade));
    if (upgrade.hasStopReport()) {
      out.println();
      stopReport(upgrade.getStopReport(), out);
    }
  }

  /**
   * Each phase of the stop in exact milliseconds, then the total: the workloads' downtime. The total
   * is the daemon's (parking to unparking), not the sum of the phases.
   */
  static void stopReport(StopReport report, PrintWriter out) {
    out.println("Stop report (workloads parked to unparked):");
    int width = "total stop".length();
    for (StopReport.Phase phase : report.getPhasesList()) {
      width = Math.max(width, phase.getName().length());
    }
    String row = "  %-" + width + "s %,9d ms%n";
    for (StopReport.Phase phase : report.getPhasesList()) {
      out.printf(Locale.ROOT, row, phase.getName(), phase.getMillis());
    }
    out.printf(Locale.ROOT, row, "total stop", report.getTotalStopMillis());
    out.println(
        "Images: " + Formats.bytes(report.getImageBytes()) + ", stored: "
            + Formats.bytes(report.getStoredBytes()));
    if (!report.getDumpCriu().isEmpty() || !report.getRestoreCriu().isEmpty()) {
      out.println(
          "CRIU: dumped by " + orUnknown(report.getDumpCriu()) + ", restored by "
              + orUnknown(report.getRestoreCriu()));
    }
  }

  private static String orUnknown(String s) {
    return s.isEmpty() ? "?" : s;
  }

  static String headline(Upgrade upgrade) {
    String id = upgrade.getId();
    String reason = upgrade.getReason().isEmpty() ? "" : ": " + upgrade.getReason();
    return switch (upgrade.getState()) {
      case DONE -> "Upgrade " + id + " DONE: " + kernels(upgrade) + ".";
      case ABORTED ->
          "Upgrade " + id + " ABORTED" + reason
              + ". The workloads ran on, untouched, on the old kernel.";
      case ROLLED_BACK ->
          "Upgrade " + id + " ROLLED_BACK" + reason
              + ". The workloads were restored on the old kernel.";
      case FAILED ->
          "Upgrade " + id + " FAILED" + reason
              + ". The workloads are NOT running; their snapshots are kept: "
              + String.join(", ", upgrade.getSnapshotIdsList())
              + ". Restore them with `molt snapshot restore ID`.";
      default -> "Upgrade " + id + " is " + upgrade.getState() + ".";
    };
  }

  static String kernels(Upgrade upgrade) {
    if (upgrade.getFromKernel().isEmpty() && upgrade.getToKernel().isEmpty()) {
      return "-";
    }
    return Formats.orDash(upgrade.getFromKernel()) + " -> " + Formats.orDash(upgrade.getToKernel());
  }

  /** As --switch names it. */
  static String switchMethod(SwitchMethod method) {
    return switch (method) {
      case SWITCH_METHOD_KEXEC -> "kexec";
      case SWITCH_METHOD_RESTART -> "restart";
      default -> "-";
    };
  }

  static String workloads(List<Workload> workloads) {
    return workloads.isEmpty()
        ? "-"
        : workloads.stream().map(WorkloadSpec::format).collect(Collectors.joining(", "));
  }

  /** True for the states an upgrade ends in. */
  static boolean isFinal(UpgradeState state) {
    return switch (state) {
      case DONE, ABORTED, ROLLED_BACK, FAILED -> true;
      default -> false;
    };
  }
}
