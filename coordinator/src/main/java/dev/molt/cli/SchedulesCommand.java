package dev.molt.cli;

import dev.molt.api.v1.CancelScheduledRequest;
import dev.molt.api.v1.ListScheduledRequest;
import dev.molt.api.v1.ListScheduledResponse;
import dev.molt.api.v1.ScheduledUpgrade;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code molt schedules}: the scheduled upgrades. Only groups its subcommands. */
@Command(
    name = "schedules",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "COMMAND",
    description = "Lists and cancels scheduled upgrades (molt schedule, molt upgrade --in-window).",
    subcommands = {SchedulesCommand.ListCommand.class, SchedulesCommand.CancelCommand.class},
    footerHeading = "%nExamples:%n",
    footer = {"  molt schedules list", "  molt schedules cancel s-3f2a9c1e-1b2c"})
final class SchedulesCommand {

  /** {@code molt schedules list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Waiting scheduled upgrades (what each waits for and why), then finished ones.")
  static final class ListCommand extends DaemonCommand {
    @Override
    int run(DaemonConnection daemon) {
      ListScheduledResponse list = daemon.windows().listScheduled(ListScheduledRequest.getDefaultInstance());
      if (json()) {
        printJson(list);
      } else {
        WindowViews.table(list.getScheduledList(), out());
      }
      return ExitCodes.OK;
    }
  }

  /** {@code molt schedules cancel ID}. */
  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      description = {
        "Cancels a waiting scheduled upgrade. Once it started (exit 3), cancel the upgrade itself:"
            + " molt upgrades cancel ID."
      })
  static final class CancelCommand extends DaemonCommand {
    @Parameters(paramLabel = "ID", description = "The scheduled upgrade's id (s-...).")
    String id;

    @Option(
        names = "--reason",
        paramLabel = "TEXT",
        defaultValue = "",
        description = "Why; kept with it (default: \"cancelled by the operator\").")
    String reason;

    @Override
    int run(DaemonConnection daemon) {
      ScheduledUpgrade s = daemon.windows().cancelScheduled(
          CancelScheduledRequest.newBuilder().setScheduledId(id).setReason(reason).build());
      if (json()) {
        printJson(s);
      } else {
        out().println("Scheduled upgrade " + s.getId() + " is " + s.getState() + " (" + s.getReason() + ").");
      }
      return ExitCodes.OK;
    }
  }
}
