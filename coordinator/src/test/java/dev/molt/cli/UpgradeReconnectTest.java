package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.UpgradeState;
import dev.molt.api.v1.WatchUpgradeRequest;
import io.grpc.Status;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The daemon goes away mid-upgrade (the restart switch restarts it; a kexec reboots its host): the
 * CLI reconnects with backoff, resumes after the last event it saw, and ends with the stop report.
 */
class UpgradeReconnectTest {
  static final String ID = Samples.UPGRADE_ID;
  static final String[] UPGRADE = {"upgrade", "-w", "cgroup:molt-demo/counter", "--switch", "restart"};

  @RegisterExtension final CliHarness cli = new CliHarness();

  @BeforeEach
  void daemonRunsTheUpgradeToDone() {
    cli.upgrades.started = Samples.upgrade(ID, UpgradeState.PLANNED);
    cli.upgrades.events = Samples.events(ID, UpgradeState.DONE);
  }

  @Test
  void daemonDyingMidStreamAndComingBackIsFollowedToTheStopReport() {
    // Event 4 is the first DUMPING; the daemon dies right after sending it, and is back during
    // the CLI's third wait.
    cli.upgrades.stallOnceAfter(4, stream -> cli.crashServer());
    cli.time.onSleep(sleep -> {
      if (sleep == 3) {
        cli.startServer();
      }
    });

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).containsPattern("total stop +4,410 ms");
    // The watch resumes after the last event the CLI received: event 4 itself, or, when the crash
    // cut the stream before event 4 reached the client (a race under load), event 3.
    java.util.List<Long> resumedAfter = cli.upgrades.watches().stream()
        .map(WatchUpgradeRequest::getAfterSequence).toList();
    assertThat(resumedAfter).isIn(java.util.List.of(0L, 4L), java.util.List.of(0L, 3L));
    // Three waits of 20, 40 and 80 ms with no daemon; the fourth attempt finds it back.
    assertThat(cli.time.sleeps).containsExactly(millis(20), millis(40), millis(80));
    assertThat(run.err())
        .contains("lost moltd (UNAVAILABLE")
        .contains("reconnected to moltd after 4 attempt(s) over 140 ms");
    for (String state : new String[] {"PLANNED", "PARKING", "DUMPING", "PERSISTED", "DONE"}) {
      assertThat(run.err().lines().filter(line -> line.startsWith(state + " ")))
          .as("lines of %s in\n%s", state, run.err())
          .hasSize(1);
    }
  }

  @Test
  void aDaemonThatIsStillUpIsWatchedAgainAtOnce() {
    cli.upgrades.stallOnceAfter(
        6, stream -> stream.onError(Status.UNAVAILABLE.withDescription("shutting down").asException()));

    cli.run(UPGRADE);

    assertThat(cli.time.sleeps).isEmpty();
  }

  @Test
  void anUnavailableStatusFromTheDaemonIsRetriedLikeALostConnection() {
    cli.upgrades.stallOnceAfter(
        6, stream -> stream.onError(Status.UNAVAILABLE.withDescription("shutting down").asException()));

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(cli.upgrades.watches())
        .extracting(WatchUpgradeRequest::getAfterSequence)
        .containsExactly(0L, 6L);
    assertThat(run.err()).contains("lost moltd (UNAVAILABLE: shutting down)");
  }

  @Test
  void aStreamTheDaemonCancelsIsResumed() {
    cli.upgrades.stallOnceAfter(
        5, stream -> stream.onError(Status.CANCELLED.withDescription("RST_STREAM").asException()));

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(cli.upgrades.watches())
        .extracting(WatchUpgradeRequest::getAfterSequence)
        .containsExactly(0L, 5L);
  }

  @Test
  void aStreamThatEndsBeforeAFinalStateIsResumed() {
    cli.upgrades.stallOnceAfter(7, stream -> stream.onCompleted());

    CliRun run = cli.run(UPGRADE);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(cli.upgrades.watches())
        .extracting(WatchUpgradeRequest::getAfterSequence)
        .containsExactly(0L, 7L);
    assertThat(run.err()).contains("the event stream ended before the upgrade reached a final state");
  }

  @Test
  void givesUpAfterTheReconnectTimeoutAndSaysHowToFollowTheUpgradeLater() {
    cli.upgrades.stallOnceAfter(4, stream -> cli.crashServer());

    CliRun run = cli.run(UpgradeCommandTest.append(UPGRADE, "--reconnect-timeout", "300ms"));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.UNAVAILABLE);
    // 20, 40, 80, 100 (the ceiling), then what is left of the 300 ms: never past the timeout.
    assertThat(cli.time.sleeps)
        .containsExactly(millis(20), millis(40), millis(80), millis(100), millis(60));
    assertThat(run.err())
        .contains(
            "molt: gave up after 5 reconnect attempt(s) over 300 ms (--reconnect-timeout 300 ms)")
        .contains("cannot reach moltd at unix:/run/molt/molt.sock")
        .endsWith("follow it with `molt upgrades watch " + ID + "`\n");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void theBackoffGrowsToItsCeiling() {
    cli.upgrades.stallOnceAfter(2, stream -> cli.crashServer());

    cli.run(UpgradeCommandTest.append(UPGRADE, "--reconnect-timeout", "1s"));

    assertThat(cli.time.sleeps)
        .startsWith(millis(20), millis(40), millis(80), millis(100), millis(100), millis(100));
    assertThat(cli.time.sleeps.stream().reduce(Duration.ZERO, Duration::plus))
        .isEqualTo(Duration.ofSeconds(1));
  }

  private static Duration millis(long millis) {
    return Duration.ofMillis(millis);
  }
}
