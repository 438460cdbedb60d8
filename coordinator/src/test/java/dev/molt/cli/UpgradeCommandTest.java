package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.GetUpgradeRequest;
import dev.molt.api.v1.PlanRequest;
import dev.molt.api.v1.StartUpgradeRequest;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.UpgradeState;
import dev.molt.api.v1.WatchUpgradeRequest;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UpgradeCommandTest {
  static final String ID = Samples.UPGRADE_ID;
  static final String[] UPGRADE = {"upgrade", "-w", "cgroup:molt-demo/counter", "--switch", "restart"};

  @RegisterExtension final CliHarness cli = new CliHarness();

  @BeforeEach
  void daemonRunsTheUpgradeToDone() {
    cli.upgrades.started = Samples.upgrade(ID, UpgradeState.PLANNED);
    cli.upgrades.events = Samples.events(ID, UpgradeState.DONE);
  }

  @Test
  void followsTheUpgradeToDoneAndPrintsTheStopReport() {
    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("Upgrade " + ID + " DONE: 6.18.0-1-amd64 -> 6.18.0-1-amd64.")
        .contains("Stop report (workloads parked to unparked):")
        .containsPattern("park +12 ms")
        .containsPattern("dump +510 ms")
        .containsPattern("switch +2,480 ms")
        .containsPattern("coordinator-start +640 ms")
        .containsPattern("unpark +3 ms")
        .containsPattern("total stop +4,410 ms")
        .contains("Images: 57.0 MiB, stored: 31.0 MiB");
    assertThat(cli.upgrades.watches())
        .containsExactly(
            WatchUpgradeRequest.newBuilder().setUpgradeId(ID).setAfterSequence(0).build());
  }

  @Test
  void showsEachStateOnceOnStderrWithBytesAndWarnings() {
    CliRun run = cli.run(UPGRADE);

    assertThat(run.err())
        .contains("Upgrade " + ID + " started (request id ")
        .containsPattern("PLANNED +upgrade planned")
        .containsPattern("DUMPING +dumping pid 4242 \\(20\\.0 MiB of 57\\.0 MiB\\)")
        .contains("warning: snapshot holds an open file on tmpfs: /tmp/counter.log")
        .containsPattern("DONE +workloads unparked");
    // The second DUMPING event only moves the byte count: a log gets no line for it.
    assertThat(run.err().lines().filter(line -> line.startsWith("DUMPING"))).hasSize(1);
  }

  @Test
  void sendsARandomUuidAsTheRequestIdByDefault() {
    cli.run(UPGRADE);

    String requestId = cli.upgrades.last(StartUpgradeRequest.class).getRequestId();
    assertThat(UUID.fromString(requestId).version()).isEqualTo(4);
  }

  @Test
  void sendsTheGivenRequestIdAndSpec() {
    cli.run(append(UPGRADE, "--request-id", "deploy-42", "--no-tcp"));

    StartUpgradeRequest start = cli.upgrades.last(StartUpgradeRequest.class);
    assertThat(start.getRequestId()).isEqualTo("deploy-42");
    assertThat(start.getSpec())
        .isEqualTo(Samples.spec().toBuilder().setTcpEstablished(false).build());
  }

  @Test
  void aRequestIdOverTheApiLimitIsAUsageError() {
    CliRun run = cli.run(append(UPGRADE, "--request-id", "x".repeat(129)));

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("molt: --request-id must be 1 to 128 characters, was 129");
    assertThat(cli.upgrades.received(StartUpgradeRequest.class)).isFalse();
  }

  @ParameterizedTest(name = "{0} exits {1}")
  @CsvSource({"ABORTED, 1", "ROLLED_BACK, 1", "FAILED, 5"})
  void anUpgradeThatDidNotFinishExitsWithItsOutcome(UpgradeState end, int exitCode) {
    cli.upgrades.events = Samples.events(ID, end);

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(exitCode);
    assertThat(run.out())
        .contains("Upgrade " + ID + " " + end + ": restore of pid 4242 failed")
        .doesNotContain("Stop report");
  }

  @Test
  void aFailedUpgradeSaysTheWorkloadsAreDownAndWhereTheirSnapshotIs() {
    cli.upgrades.events = Samples.events(ID, UpgradeState.FAILED);

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).isEqualTo(ExitCodes.UPGRADE_FAILED);
    assertThat(run.out())
        .contains("The workloads are NOT running; their snapshots are kept: snap-" + ID)
        .contains("molt snapshot restore ID");
  }

  @Test
  void jsonOutputIsTheStreamsEventsOnePerLineTheLastHoldingTheFinalUpgrade() {
    CliRun run = cli.run(append(UPGRADE, "--output", "json"));

    assertThat(run.exitCode()).isZero();
    List<UpgradeEvent> lines = run.out().lines()
        .map(line -> JsonOutput.parse(line, UpgradeEvent.getDefaultInstance())).toList();
    assertThat(lines).isEqualTo(Samples.events(ID, UpgradeState.DONE));
    assertThat(lines.getLast().getUpgrade()).isEqualTo(Samples.upgrade(ID, UpgradeState.DONE));
    assertThat(lines).anySatisfy(e -> assertThat(e.getWarningsList())
        .containsExactly("snapshot holds an open file on tmpfs: /tmp/counter.log"));
    assertThat(run.err()).as("no state lines: they are on stdout").isEmpty();
  }

  @Test
  void onATerminalDrawsAProgressBarOnStderr() {
    cli.errIsTerminal = true;

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err())
        .contains("\r")
        .contains("upgrade")
        .contains("9/9 phases")
        .contains("warning: snapshot holds an open file on tmpfs");
    assertThat(run.out()).containsPattern("total stop +4,410 ms");
  }

  @Test
  void detachPrintsOnlyTheIdAndDoesNotWatch() {
    CliRun run = cli.run(append(UPGRADE, "--detach"));

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo(ID + "\n");
    assertThat(run.err()).contains("molt upgrades watch " + ID);
    assertThat(cli.upgrades.watches()).isEmpty();
  }

  @Test
  void detachWithJsonPrintsTheStartedUpgrade() {
    CliRun run = cli.run(append(UPGRADE, "--detach", "-o", "json"));

    assertThat(JsonOutput.parse(run.out(), Upgrade.getDefaultInstance()))
        .isEqualTo(Samples.upgrade(ID, UpgradeState.PLANNED));
  }

  @Test
  void dryRunOnlyPlansAndExitsWithThePreflightResult() {
    cli.upgrades.plan = Samples.plan(false);

    CliRun run = cli.run(append(UPGRADE, "--dry-run"));

    assertThat(run.exitCode()).isEqualTo(ExitCodes.PRECONDITION);
    assertThat(run.out()).containsPattern("FAIL +space");
    assertThat(cli.upgrades.last(PlanRequest.class).getSpec()).isEqualTo(Samples.spec());
    assertThat(cli.upgrades.received(StartUpgradeRequest.class)).isFalse();
  }

  @Test
  void dryRunWithAPassingPlanExitsZero() {
    cli.upgrades.plan = Samples.plan(true);

    assertThat(cli.run(append(UPGRADE, "--dry-run")).exitCode()).isZero();
  }

  @Test
  void dryRunAndDetachTogetherAreAUsageError() {
    CliRun run = cli.run(append(UPGRADE, "--dry-run", "--detach"));

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("molt: --dry-run and --detach do not go together");
  }

  @Test
  void aLostStartAnswerSaysHowToRetryWithoutStartingTwice() {
    cli.upgrades.failure = Status.UNAVAILABLE.withDescription("connection reset");

    CliRun run = cli.run(append(UPGRADE, "--request-id", "deploy-42"));

    assertThat(run.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
    assertThat(run.err())
        .startsWith("molt: cannot reach moltd at unix:/run/molt/molt.sock: connection reset")
        .contains("repeat the command with --request-id deploy-42");
  }

  @Test
  void anotherUpgradeRunningExitsSevenWithTheDaemonsMessage() {
    cli.upgrades.failure =
        Status.ALREADY_EXISTS.withDescription("upgrade upg-0 is running on this host");

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).isEqualTo(ExitCodes.CONFLICT);
    assertThat(run.err()).isEqualTo("molt: upgrade upg-0 is running on this host\n");
  }

  @Test
  void aFinalEventWithoutTheUpgradeIsCompletedWithGetUpgrade() {
    List<UpgradeEvent> events = new ArrayList<>(Samples.events(ID, UpgradeState.DONE));
    events.set(events.size() - 1, events.getLast().toBuilder().clearUpgrade().build());
    cli.upgrades.events = events;
    cli.upgrades.upgrades = List.of(Samples.upgrade(ID, UpgradeState.DONE));

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).isZero();
    assertThat(cli.upgrades.last(GetUpgradeRequest.class).getUpgradeId()).isEqualTo(ID);
    assertThat(run.out()).containsPattern("total stop +4,410 ms");
  }

  @Test
  void aWatchErrorOtherThanUnavailableEndsTheCommandWithItsCode() {
    cli.upgrades.watchFailure = Status.NOT_FOUND.withDescription("no upgrade " + ID);

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(run.err()).endsWith("molt: no upgrade " + ID + "\n");
  }

  static String[] append(String[] args, String... more) {
    var all = new ArrayList<>(List.of(args));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }
}
