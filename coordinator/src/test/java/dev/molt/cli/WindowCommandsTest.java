package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.AddWindowRequest;
import dev.molt.api.v1.CancelScheduledRequest;
import dev.molt.api.v1.ListWindowsResponse;
import dev.molt.api.v1.MaintenanceWindow;
import dev.molt.api.v1.Opening;
import dev.molt.api.v1.ScheduleRequest;
import dev.molt.api.v1.ScheduledState;
import dev.molt.api.v1.ScheduledUpgrade;
import dev.molt.api.v1.StartUpgradeRequest;
import dev.molt.api.v1.SwitchMethod;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code molt window}, {@code molt schedule}, {@code molt schedules}, {@code upgrade --in-window} and the status's windows. */
class WindowCommandsTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  @Test
  void windowAddSendsTheWindowAsGiven() {
    cli.windows.added =
        MaintenanceWindow.newBuilder().setName("nightly").setDescription("mon,tue 02:00 for 2h Europe/Berlin").build();

    CliRun run = cli.run("window", "add", "--name", "nightly", "--days", "mon,tue", "--start", "02:00",
        "--length", "2h", "--zone", "Europe/Berlin");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("Window nightly added: mon,tue 02:00 for 2h Europe/Berlin");
    MaintenanceWindow sent = cli.windows.last(AddWindowRequest.class).getWindow();
    assertThat(sent.getName()).isEqualTo("nightly");
    assertThat(sent.getDaysList()).containsExactly("mon,tue");
    assertThat(sent.getStart()).isEqualTo("02:00");
    assertThat(sent.getLengthMillis()).isEqualTo(7_200_000);
    assertThat(sent.getZone()).isEqualTo("Europe/Berlin");
  }

  @Test
  void windowAddWithCronAndTheDefaultZone() {
    CliRun run = cli.run("window", "add", "--cron", "0 2 * * 1-5", "--length", "90m");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    MaintenanceWindow sent = cli.windows.last(AddWindowRequest.class).getWindow();
    assertThat(sent.getCron()).isEqualTo("0 2 * * 1-5");
    assertThat(sent.getZone()).isEqualTo("UTC");
    assertThat(sent.getName()).as("the daemon names it").isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
    "--days mnd --start 02:00 --length 2h                      | day 'mnd' is not one of mon..sun",
    "--days mon --start 25:00 --length 2h                      | start 25:00 is not a time of day (HH:MM",
    "--days mon --start 02:00 --length 0s                      | length must be positive",
    "--days mon --start 02:00 --length 2h --zone Mars/Base     | unknown time zone 'Mars/Base'",
    "--days mon --start 02:00 --length 2x                      | length '2x' is not a duration",
    "--days mon --start 02:00 --length 8d                      | length '8d' is not a duration",
    "--days mon --start 02:00 --length PT200H                  | longer than the 7 days",
    "--cron 0_25_*_*_* --length 2h                             | hour '25' is out of range 0-23",
    "--cron 0_2_*_* --length 2h                                | has 4 fields, needs five",
    "--days mon --start 02:00 --cron 0_2_*_*_* --length 2h     | has both days/start and a cron expression",
    "--start 02:00 --length 2h                                 | needs days",
    "--length 2h                                               | needs --days and --start, or --cron",
    "--name a/b --days mon --start 02:00 --length 2h           | window name 'a/b' must be"
  })
  void windowAddRefusesABadPartNamingItBeforeCallingTheDaemon(String options, String message) {
    String[] args = ("window add " + options.trim()).split("\\s+");
    for (int i = 0; i < args.length; i++) {
      args[i] = args[i].replace('_', ' ');
    }

    CliRun run = cli.run(args);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).as(run.toString()).contains("molt: ").contains(message.trim());
    assertThat(cli.windows.requests).isEmpty();
  }

  @Test
  void windowListShowsEachWindowTheNextOpeningAndTheRoomNeeded() {
    cli.windows.windows = ListWindowsResponse.newBuilder()
        .addWindows(MaintenanceWindow.newBuilder().setName("nightly").setDescription("daily 02:00 for 2h UTC")
            .setNextStartMillis(1_795_485_600_000L))
        .setNextOpening(Opening.newBuilder().addWindows("nightly").setStartLocal("2026-11-24 02:00:00 +00:00 UTC")
            .setEndLocal("2026-11-24 04:00:00 +00:00 UTC"))
        .setEstimatedStopMillis(300_000)
        .setMarginMillis(75_000)
        .build();

    CliRun run = cli.run("window", "list");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .containsPattern("NAME +WHEN +NEXT")
        .containsPattern("nightly +daily 02:00 for 2h UTC +2026-11-24")
        .contains("Next opening: 'nightly' 2026-11-24 02:00:00 +00:00 UTC until 2026-11-24 04:00:00 +00:00 UTC")
        .contains("estimated stop 5m + margin 1m15s");
  }

  @Test
  void windowRmAFailedPreconditionExits3WithTheDaemonsMessage() {
    cli.windows.failure = Status.FAILED_PRECONDITION.withDescription(
        "window 'nightly' is named by scheduled upgrade s-1, which waits for it: cancel that first");

    CliRun run = cli.run("window", "rm", "nightly");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.PRECONDITION);
    assertThat(run.err()).contains("cancel that first");
  }

  @Test
  void scheduleSendsTheSpecWindowsAndBlockersAndPrintsTheId() {
    cli.windows.scheduled = ScheduledUpgrade.newBuilder().setId("s-1").setRequestId("r").setState(ScheduledState.WAITING)
        .setReason("waits for window 'nightly'").build();

    CliRun run = cli.run("schedule", "--workload", "pid:42", "--switch", "restart", "--window", "nightly",
        "--blocker-cmd", "test -f /run/ok", "--blocker-http", "http://alerts.example.net/ok",
        "--blocker-timeout", "5s", "--request-id", "r");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out().trim()).isEqualTo("s-1");
    assertThat(run.err()).contains("is WAITING: waits for window 'nightly'");
    ScheduleRequest sent = cli.windows.last(ScheduleRequest.class);
    assertThat(sent.getRequestId()).isEqualTo("r");
    assertThat(sent.getSpec().getSwitchMethod()).isEqualTo(SwitchMethod.SWITCH_METHOD_RESTART);
    assertThat(sent.getWindowsList()).containsExactly("nightly");
    assertThat(sent.getBlockersList()).hasSize(2);
    assertThat(sent.getBlockers(0).getCommand()).isEqualTo("test -f /run/ok");
    assertThat(sent.getBlockers(1).getHttpUrl()).isEqualTo("http://alerts.example.net/ok");
    assertThat(sent.getBlockers(1).getTimeoutMillis()).isEqualTo(5000);
  }

  @Test
  void scheduleRefusesABlockerUrlThatIsNotHttp() {
    CliRun run = cli.run("schedule", "--workload", "pid:42", "--switch", "restart", "--blocker-http", "ftp://x/y");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("--blocker-http ftp://x/y must be an http:// or https:// URL");
  }

  @Test
  void upgradeInWindowSchedulesInsteadOfStarting() {
    cli.windows.scheduled = ScheduledUpgrade.newBuilder().setId("s-2").setState(ScheduledState.WAITING).build();

    CliRun run = cli.run("upgrade", "--workload", "pid:42", "--switch", "restart", "--in-window",
        "--blocker-cmd", "true");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out().trim()).isEqualTo("s-2");
    assertThat(cli.windows.last(ScheduleRequest.class).getBlockersCount()).isEqualTo(1);
    assertThat(cli.upgrades.requests).noneMatch(r -> r instanceof StartUpgradeRequest);
  }

  @Test
  void blockersWithoutInWindowAreAUsageError() {
    CliRun run = cli.run("upgrade", "--workload", "pid:42", "--switch", "restart", "--blocker-cmd", "true");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("add --in-window");
    assertThat(cli.upgrades.requests).isEmpty();
  }

  @Test
  void schedulesListAndCancel() {
    cli.windows.list = List.of(ScheduledUpgrade.newBuilder().setId("s-1").setState(ScheduledState.WAITING)
        .setReason("window 'nightly' is open, 1h left, but blocker `test -f /run/ok` exited with 1").build());
    cli.windows.scheduled = ScheduledUpgrade.newBuilder().setId("s-1").setState(ScheduledState.CANCELLED)
        .setReason("cancelled: freeze").build();

    CliRun list = cli.run("schedules", "list");
    CliRun cancel = cli.run("schedules", "cancel", "s-1", "--reason", "freeze");

    assertThat(list.out()).containsPattern("s-1 +WAITING +- +window 'nightly' is open, 1h left, but blocker");
    assertThat(cancel.exitCode()).isZero();
    assertThat(cancel.out()).contains("s-1 is CANCELLED (cancelled: freeze)");
    assertThat(cli.windows.last(CancelScheduledRequest.class).getReason()).isEqualTo("freeze");
  }

  @Test
  void statusShowsTheNextWindowAndWhatWaitsForItAndWhy() {
    cli.host.status = Samples.host();
    cli.windows.windows = ListWindowsResponse.newBuilder()
        .addWindows(MaintenanceWindow.newBuilder().setName("nightly"))
        .setNextOpening(Opening.newBuilder().addWindows("nightly").setStartLocal("2026-11-24 02:00:00 +00:00 UTC")
            .setEndLocal("2026-11-24 04:00:00 +00:00 UTC"))
        .build();
    cli.windows.list = List.of(
        ScheduledUpgrade.newBuilder().setId("s-1").setState(ScheduledState.WAITING)
            .setReason("waits for window 'nightly' 2026-11-24 02:00:00 +00:00 UTC (needs 6m15s)").build(),
        ScheduledUpgrade.newBuilder().setId("s-0").setState(ScheduledState.STARTED).setReason("started").build());

    CliRun run = cli.run("status");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .containsPattern("next window +'nightly' 2026-11-24 02:00:00 \\+00:00 UTC until")
        .containsPattern("waiting +s-1: waits for window 'nightly' 2026-11-24 02:00:00 \\+00:00 UTC \\(needs 6m15s\\)")
        .doesNotContain("s-0");
  }

  @Test
  void statusFromADaemonWithoutWindowsShowsTheRest() {
    cli.host.status = Samples.host();
    cli.windows.failure = Status.UNIMPLEMENTED.withDescription("unknown service molt.v1.Windows");

    CliRun run = cli.run("status");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("kernel").doesNotContain("next window");
  }
}
