package dev.molt.cli;

import dev.molt.api.v1.AddWindowRequest;
import dev.molt.api.v1.MaintenanceWindow;
import dev.molt.scheduler.WindowProtos;
import dev.molt.window.WindowSpecException;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code molt window add}. */
@Command(
    name = "add",
    mixinStandardHelpOptions = true,
    description = {
      "Adds a maintenance window: --days and --start, or --cron; with --length and --zone.",
      "The window is checked here and again by the daemon; a bad part exits 2 naming it."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  molt window add --name nightly --days mon,tue,wed,thu,fri --start 02:00 --length 2h \\",
      "      --zone Europe/Berlin",
      "  molt window add --name late --days sat --start 23:00 --length 3h --zone America/New_York",
      "  molt window add --cron '0 2 * * 1-5' --length 90m --zone UTC"
    })
final class WindowAddCommand extends DaemonCommand {
  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Its name: letters, digits, '.', '_', '-' (default: w-1, w-2, ...).")
  String name = "";

  @Option(
      names = "--days",
      paramLabel = "DAYS",
      description = "Days it opens: mon,tue,... or a range mon-fri, or daily.")
  List<String> days = List.of();

  @Option(names = "--start", paramLabel = "HH:MM", description = "Local start time, 00:00 to 23:59.")
  String start;

  @Option(
      names = "--cron",
      paramLabel = "EXPR",
      description = "Instead of --days/--start: minute hour day-of-month month day-of-week.")
  String cron;

  @Option(
      names = "--length",
      paramLabel = "DURATION",
      required = true,
      description = "How long it stays open, in real time: 90m, 2h, PT1H30M (at most 7 days).")
  String length;

  @Option(
      names = "--zone",
      paramLabel = "ZONE",
      defaultValue = "UTC",
      description = "IANA time zone of --start/--cron, e.g. Europe/Berlin (default: ${DEFAULT-VALUE}).")
  String zone;

  @Override
  int run(DaemonConnection daemon) {
    MaintenanceWindow window = window();
    MaintenanceWindow added =
        daemon.windows().addWindow(AddWindowRequest.newBuilder().setWindow(window).build());
    if (json()) {
      printJson(added);
    } else {
      out().println("Window " + added.getName() + " added: " + added.getDescription()
          + WindowViews.nextStart(added) + ".");
    }
    return ExitCodes.OK;
  }

  /** The window from the options, checked as the daemon will check it. */
  MaintenanceWindow window() {
    var b = MaintenanceWindow.newBuilder().setName(name).setZone(zone).addAllDays(days);
    if (start != null) {
      b.setStart(start);
    }
    if (cron != null) {
      b.setCron(cron);
    }
    Duration parsed;
    try {
      parsed = DurationConverter.parse(length);
    } catch (RuntimeException e) {
      throw new ParameterException(spec.commandLine(), "length " + e.getMessage());
    }
    b.setLengthMillis(parsed.toMillis());
    MaintenanceWindow window = b.build();
    try {
      // A name is made up by the daemon when none is given; the rest is checked here.
      WindowProtos.toWindow(name.isEmpty() ? window.toBuilder().setName("w").build() : window);
    } catch (WindowSpecException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return window;
  }
}
