package dev.molt.cli;

import dev.molt.api.v1.Snapshot;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** How snapshots read in the text output. */
final class SnapshotViews {
  private SnapshotViews() {}

  static void table(List<Snapshot> snapshots, PrintWriter out) {
    if (snapshots.isEmpty()) {
      out.println("No snapshots.");
      return;
    }
    var table = new TextTable("ID", "CREATED", "ROOT PID", "PROCESSES", "FILES", "IMAGES", "STORED");
    for (Snapshot snapshot : snapshots) {
      table.row(
          snapshot.getId(),
          Formats.time(snapshot.getCreatedAtMillis()),
          snapshot.getRootPid(),
          snapshot.getPidsCount(),
          snapshot.getFiles(),
          Formats.bytes(snapshot.getImageBytes()),
          Formats.bytes(snapshot.getStoredBytes()));
    }
    table.print(out);
  }

  static void details(Snapshot snapshot, PrintWriter out) {
    var table = new TextTable("Snapshot", snapshot.getId());
    table.row("created", Formats.time(snapshot.getCreatedAtMillis()));
    table.row("root pid", snapshot.getRootPid());
    table.row(
        "pids",
        snapshot.getPidsList().isEmpty()
            ? "-"
            : snapshot.getPidsList().stream().map(String::valueOf).collect(Collectors.joining(", ")));
    table.row("files", snapshot.getFiles());
    table.row("images", Formats.bytes(snapshot.getImageBytes()));
    table.row("stored", Formats.bytes(snapshot.getStoredBytes()));
    snapshot.getLabelsMap().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(label -> table.row("label " + label.getKey(), label.getValue()));
    table.print(out);
  }
}
