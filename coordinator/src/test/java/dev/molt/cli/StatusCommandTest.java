package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import dev.molt.api.v1.HostStatus;
import dev.molt.api.v1.ListUpgradesRequest;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeState;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class StatusCommandTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  @Test
  void showsTheHostAndTheLastUpgradesAsATable() {
    cli.host.status = Samples.host();
    cli.upgrades.upgrades =
        List.of(
            Samples.upgrade("upg-2", UpgradeState.DONE),
            Samples.upgrade("upg-1", UpgradeState.ABORTED));

    CliRun run = cli.run("status");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("kernel", "6.18.0-1-amd64")
        .contains("4.2.1 (works on this kernel)")
        .contains("no upgrade")
        .contains("Last upgrades:")
        .containsPattern("ID +STATE +CREATED +KERNEL +STOP +REASON")
        .containsPattern("upg-2 +DONE +2026-11-18 \\d\\d:\\d\\d:\\d\\dZ .*4\\.41 s")
        .containsPattern("upg-1 +ABORTED .*restore of pid 4242 failed");
    assertThat(cli.upgrades.last(ListUpgradesRequest.class).getLimit()).isEqualTo(5);
  }

  @Test
  void lastOptionAsksForThatManyUpgrades() {
    cli.run("status", "--last", "2");

    assertThat(cli.upgrades.last(ListUpgradesRequest.class).getLimit()).isEqualTo(2);
  }

  @Test
  void saysSoWhenThereAreNoUpgrades() {
    CliRun run = cli.run("status");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("No upgrades yet.");
  }

  @Test
  void jsonOutputHoldsTheHostAndTheUpgrades() throws Exception {
    cli.host.status = Samples.host();
    cli.upgrades.upgrades = List.of(Samples.upgrade("upg-2", UpgradeState.DONE));

    CliRun run = cli.run("status", "-o", "json");

    assertThat(run.exitCode()).isZero();
    Struct json = JsonOutput.object(run.out());
    assertThat(json.getFieldsMap()).containsOnlyKeys("host", "upgrades", "windows", "scheduled");
    String hostJson =
        com.google.protobuf.util.JsonFormat.printer().print(json.getFieldsOrThrow("host"));
    assertThat(JsonOutput.parse(hostJson, HostStatus.getDefaultInstance()))
        .isEqualTo(Samples.host());
    var upgrades = json.getFieldsOrThrow("upgrades").getListValue().getValuesList();
    assertThat(upgrades).hasSize(1);
    String upgradeJson = com.google.protobuf.util.JsonFormat.printer().print(upgrades.get(0));
    assertThat(JsonOutput.parse(upgradeJson, Upgrade.getDefaultInstance()))
        .isEqualTo(Samples.upgrade("upg-2", UpgradeState.DONE));
  }

  @Test
  void lastBelowOneIsAUsageError() {
    CliRun run = cli.run("status", "--last", "0");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("molt: --last must be at least 1, was 0");
  }
}
