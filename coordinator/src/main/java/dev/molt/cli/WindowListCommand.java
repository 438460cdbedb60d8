package dev.molt.cli;

import dev.molt.api.v1.ListWindowsRequest;
import dev.molt.api.v1.ListWindowsResponse;
import picocli.CommandLine.Command;

/** {@code molt window list}. */
@Command(
    name = "list",
    mixinStandardHelpOptions = true,
    description = "Lists the maintenance windows, the next opening, and the stop the scheduler expects.",
    footerHeading = "%nExamples:%n",
    footer = {"  molt window list", "  molt window list -o json"})
final class WindowListCommand extends DaemonCommand {
  @Override
  int run(DaemonConnection daemon) {
    ListWindowsResponse list = daemon.windows().listWindows(ListWindowsRequest.getDefaultInstance());
    if (json()) {
      printJson(list);
      return ExitCodes.OK;
    }
    if (list.getWindowsCount() == 0) {
      out().println("No maintenance windows; add one with `molt window add`.");
      return ExitCodes.OK;
    }
    var table = new TextTable("NAME", "WHEN", "NEXT");
    for (var w : list.getWindowsList()) {
      table.row(w.getName(), w.getDescription(),
          w.getNextStartMillis() == 0 ? "-" : Formats.time(w.getNextStartMillis()));
    }
    table.print(out());
    out().println();
    out().println("Next opening: " + WindowViews.opening(list));
    out().println("Room needed: estimated stop " + duration(list.getEstimatedStopMillis()) + " + margin "
        + duration(list.getMarginMillis()) + " must remain in a window for an upgrade to start.");
    return ExitCodes.OK;
  }

  private static String duration(long millis) {
    return dev.molt.window.WindowTimes.duration(java.time.Duration.ofMillis(millis));
  }
}
