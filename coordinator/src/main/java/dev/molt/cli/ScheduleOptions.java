package dev.molt.cli;

import dev.molt.api.v1.Blocker;
import dev.molt.api.v1.ScheduleRequest;
import dev.molt.api.v1.ScheduledUpgrade;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.WindowsGrpc;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The options of a scheduled upgrade, shared by {@code schedule} and {@code upgrade --in-window}. */
final class ScheduleOptions {
  /** The API's limit on a scheduled upgrade's request id. */
  static final int MAX_REQUEST_ID_LENGTH = 100;

  @Option(
      names = "--window",
      paramLabel = "NAME",
      description = "Run only in this window; repeat for several (default: any window).")
  List<String> windows = List.of();

  @Option(
      names = "--blocker-cmd",
      paramLabel = "CMD",
      description = {
        "A command (/bin/sh -c on the daemon's host) that must exit 0 before the upgrade starts"
            + " and again right before it parks the workloads; repeat for several."
      })
  List<String> commands = List.of();

  @Option(
      names = "--blocker-http",
      paramLabel = "URL",
      description = "An http(s) URL that must answer GET with 2xx, checked as --blocker-cmd is.")
  List<String> urls = List.of();

  @Option(
      names = "--blocker-timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "30s",
      description = "How long each blocker may take; a slower one fails (default: ${DEFAULT-VALUE}).")
  Duration blockerTimeout;

  boolean anyGiven() {
    return !windows.isEmpty() || !commands.isEmpty() || !urls.isEmpty();
  }

  ScheduleRequest request(CommandSpec command, String requestId, UpgradeSpec spec) {
    List<Blocker> blockers = new ArrayList<>();
    for (String c : commands) {
      if (c.isBlank()) {
        throw new ParameterException(command.commandLine(), "--blocker-cmd is empty: give a command");
      }
      blockers.add(Blocker.newBuilder().setCommand(c).setTimeoutMillis(blockerTimeout.toMillis()).build());
    }
    for (String u : urls) {
      if (!(u.startsWith("http://") || u.startsWith("https://"))) {
        throw new ParameterException(command.commandLine(),
            "--blocker-http " + u + " must be an http:// or https:// URL");
      }
      blockers.add(Blocker.newBuilder().setHttpUrl(u).setTimeoutMillis(blockerTimeout.toMillis()).build());
    }
    return ScheduleRequest.newBuilder()
        .setRequestId(requestId)
        .setSpec(spec)
        .addAllWindows(windows)
        .addAllBlockers(blockers)
        .build();
  }

  static String requestId(CommandSpec command, String given) {
    if (given == null) {
      return java.util.UUID.randomUUID().toString();
    }
    if (given.isBlank() || given.length() > MAX_REQUEST_ID_LENGTH) {
      throw new ParameterException(command.commandLine(),
          "--request-id of a scheduled upgrade must be 1 to " + MAX_REQUEST_ID_LENGTH
              + " characters, was " + given.length());
    }
    return given;
  }

  /** Schedules it and prints its id (stdout) and what it waits for (stderr), or JSON. */
  static int schedule(DaemonCommand command, WindowsGrpc.WindowsBlockingStub windows, ScheduleRequest request) {
    ScheduledUpgrade s = windows.schedule(request);
    if (command.json()) {
      command.printJson(s);
      return ExitCodes.OK;
    }
    PrintWriter out = command.out();
    out.println(s.getId());
    command.err().println("Scheduled upgrade " + s.getId() + " (request id " + s.getRequestId() + ") is "
        + s.getState() + ": " + s.getReason() + ". `molt status` shows it; `molt schedules cancel "
        + s.getId() + "` cancels it.");
    return ExitCodes.OK;
  }
}
