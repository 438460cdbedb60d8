package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.CancelUpgradeRequest;
import dev.molt.api.v1.ListUpgradesRequest;
import dev.molt.api.v1.ListUpgradesResponse;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.UpgradeState;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class UpgradesCommandsTest {
  static final String ID = Samples.UPGRADE_ID;

  @RegisterExtension final CliHarness cli = new CliHarness();

  @Test
  void listShowsOneRowPerUpgradeAndAsksForFiftyByDefault() {
    cli.upgrades.upgrades =
        List.of(
            Samples.upgrade("upg-3", UpgradeState.DUMPING),
            Samples.upgrade("upg-2", UpgradeState.DONE),
            Samples.upgrade("upg-1", UpgradeState.FAILED));

    CliRun run = cli.run("upgrades", "list");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out().lines()).hasSize(4);
    assertThat(run.out())
        .containsPattern("upg-3 +DUMPING")
        .containsPattern("upg-2 +DONE .* 4\\.41 s")
        .containsPattern("upg-1 +FAILED");
    assertThat(cli.upgrades.last(ListUpgradesRequest.class).getLimit()).isEqualTo(50);
  }

  @Test
  void listAsJsonIsTheListResponse() {
    cli.upgrades.upgrades = List.of(Samples.upgrade("upg-2", UpgradeState.DONE));

    CliRun run = cli.run("upgrades", "list", "--limit", "3", "-o", "json");

    assertThat(JsonOutput.parse(run.out(), ListUpgradesResponse.getDefaultInstance()).getUpgradesList())
        .containsExactly(Samples.upgrade("upg-2", UpgradeState.DONE));
    assertThat(cli.upgrades.last(ListUpgradesRequest.class).getLimit()).isEqualTo(3);
  }

  @Test
  void showPrintsEverythingAboutTheUpgradeAndItsStopReport() {
    cli.upgrades.upgrades = List.of(Samples.upgrade(ID, UpgradeState.DONE));

    CliRun run = cli.run("upgrades", "show", ID);

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .containsPattern("state +DONE")
        .containsPattern("request id +req-" + ID)
        .containsPattern("switch +restart")
        .containsPattern("workloads +cgroup:molt-demo/counter")
        .containsPattern("snapshots +snap-" + ID)
        .containsPattern("total stop +4,410 ms");
  }

  @Test
  void showOfAnUnknownUpgradeExitsFour() {
    CliRun run = cli.run("upgrades", "show", "upg-nope");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
    assertThat(run.err()).isEqualTo("molt: no upgrade upg-nope\n");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void showAsJsonIsTheUpgrade() {
    cli.upgrades.upgrades = List.of(Samples.upgrade(ID, UpgradeState.ROLLED_BACK));

    CliRun run = cli.run("upgrades", "show", ID, "--output=json");

    assertThat(JsonOutput.parse(run.out(), Upgrade.getDefaultInstance()))
        .isEqualTo(Samples.upgrade(ID, UpgradeState.ROLLED_BACK));
  }

  @Test
  void cancelSendsTheReasonAndPrintsTheState() {
    cli.upgrades.cancelled =
        Samples.upgrade(ID, UpgradeState.ABORTED).toBuilder().setReason("window closed").build();

    CliRun run = cli.run("upgrades", "cancel", ID, "--reason", "window closed");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).isEqualTo("Cancel requested: upgrade " + ID + " is ABORTED (window closed).\n");
    assertThat(cli.upgrades.last(CancelUpgradeRequest.class))
        .isEqualTo(
            CancelUpgradeRequest.newBuilder().setUpgradeId(ID).setReason("window closed").build());
  }

  @Test
  void cancelAfterTheSwitchIsRefusedWithExitThree() {
    cli.upgrades.failure =
        Status.FAILED_PRECONDITION.withDescription(
            "upgrade " + ID + " is RESTORING: past the switch it cannot be cancelled");

    CliRun run = cli.run("upgrades", "cancel", ID);

    assertThat(run.exitCode()).isEqualTo(ExitCodes.PRECONDITION);
    assertThat(run.err()).contains("molt: upgrade " + ID + " is RESTORING: past the switch");
    assertThat(cli.upgrades.last(CancelUpgradeRequest.class).getReason())
        .isEqualTo("cancelled with molt upgrades cancel");
  }

  @Test
  void watchFollowsAnUpgradeAndExitsWithItsOutcome() {
    cli.upgrades.events = Samples.events(ID, UpgradeState.ROLLED_BACK);

    CliRun run = cli.run("upgrades", "watch", ID);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.UPGRADE_NOT_DONE);
    assertThat(run.out()).contains("Upgrade " + ID + " ROLLED_BACK");
    assertThat(run.err()).containsPattern("RESTORING +restoring pid 4242");
  }

  @Test
  void watchReconnectsAsUpgradeDoes() {
    cli.upgrades.events = Samples.events(ID, UpgradeState.DONE);
    cli.upgrades.stallOnceAfter(3, stream -> cli.crashServer());
    cli.time.onSleep(sleep -> cli.startServer()); // back after the first wait

    CliRun run = cli.run("upgrades", "watch", ID, "-o", "json");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    List<UpgradeEvent> lines = run.out().lines()
        .map(line -> JsonOutput.parse(line, UpgradeEvent.getDefaultInstance())).toList();
    assertThat(lines.getLast().getUpgrade().getState()).isEqualTo(UpgradeState.DONE);
    assertThat(lines).as("each event once, in order, across the reconnect")
        .extracting(UpgradeEvent::getSequence).isSorted().doesNotHaveDuplicates();
    assertThat(run.err()).contains("reconnected to moltd after 2 attempt(s)");
  }

  @Test
  void upgradesWithoutASubcommandIsAUsageError() {
    CliRun run = cli.run("upgrades");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("molt: Missing required subcommand").contains("molt upgrades --help");
  }
}
