package dev.molt.cli;

import dev.molt.api.v1.ListWindowsResponse;
import dev.molt.api.v1.MaintenanceWindow;
import dev.molt.api.v1.Opening;
import dev.molt.api.v1.ScheduledUpgrade;
import java.io.PrintWriter;
import java.util.List;

/** How windows, openings and scheduled upgrades are shown. */
final class WindowViews {
  private WindowViews() {}

  static String nextStart(MaintenanceWindow w) {
    return w.getNextStartMillis() == 0 ? "" : "; next opens " + Formats.time(w.getNextStartMillis());
  }

  /** "'nightly' 2026-11-25 02:00:00 +01:00 Europe/Berlin until ... (open now)" or "none". */
  static String opening(ListWindowsResponse list) {
    if (!list.hasNextOpening()) {
      return list.getWindowsCount() == 0 ? "none (no window defined)" : "none within four years";
    }
    return opening(list.getNextOpening());
  }

  static String opening(Opening o) {
    return "'" + String.join("'+'", o.getWindowsList()) + "' " + o.getStartLocal() + " until "
        + o.getEndLocal() + (o.getOpenNow() ? " (open now)" : "");
  }

  static void table(List<ScheduledUpgrade> scheduled, PrintWriter out) {
    if (scheduled.isEmpty()) {
      out.println("No scheduled upgrades.");
      return;
    }
    var table = new TextTable("ID", "STATE", "UPGRADE", "WHY");
    for (ScheduledUpgrade s : scheduled) {
      table.row(s.getId(), s.getState(), Formats.orDash(s.getUpgradeId()), s.getReason());
    }
    table.print(out);
  }
}
