package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.HostStatus;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class CheckCommandTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  @Test
  void aReadyHostExitsZeroAndShowsKernelCriuAndStore() {
    cli.host.status = Samples.host();

    CliRun run = cli.run("check");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("6.18.0-1-amd64")
        .contains("4.2.1")
        .contains("/var/lib/molt/store")
        .contains("3.0 GiB used, 40.0 GiB free, 2 snapshot(s)")
        .contains("none")
        .contains("Ready for an upgrade.")
        .doesNotContain("FAIL");
    assertThat(run.err()).isEmpty();
  }

  @Test
  void criuThatFailsOnThisKernelExitsThreeNamingIt() {
    cli.host.status = Samples.host().toBuilder().setCriuKernelOk(false).build();

    CliRun run = cli.run("check");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.PRECONDITION);
    assertThat(run.out()).contains("unsupported").contains("FAIL: `criu check` fails here");
  }

  @Test
  void missingCriuExitsThreeAndSaysHowToInstallIt() {
    cli.host.status = Samples.host().toBuilder().clearCriuVersion().setCriuKernelOk(false).build();

    CliRun run = cli.run("check");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.PRECONDITION);
    assertThat(run.out()).contains("not found").contains("install CRIU");
  }

  @Test
  void showsTheUpgradeUnderWay() {
    cli.host.status =
        Samples.host().toBuilder()
            .setActiveUpgrade(Samples.upgrade("upg-1", dev.molt.api.v1.UpgradeState.DUMPING))
            .build();

    CliRun run = cli.run("check");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("upg-1").contains("DUMPING since 2026-11-18 11:06:49Z");
  }

  @Test
  void jsonOutputIsTheHostStatus() {
    cli.host.status = Samples.host();

    CliRun run = cli.run("check", "--output", "json");

    assertThat(run.exitCode()).isZero();
    assertThat(JsonOutput.parse(run.out(), HostStatus.getDefaultInstance()))
        .isEqualTo(Samples.host());
  }

  @Test
  void everyCallCarriesTheDefaultDeadlineOfThirtySeconds() {
    cli.host.status = Samples.host();

    cli.run("check");

    Deadline deadline = cli.host.lastDeadline;
    assertThat(deadline).isNotNull();
    assertThat(deadline.timeRemaining(TimeUnit.SECONDS)).isBetween(20L, 30L);
  }

  @Test
  void timeoutOptionSetsTheDeadline() {
    cli.host.status = Samples.host();

    cli.run("--timeout", "2s", "check");

    assertThat(cli.host.lastDeadline.timeRemaining(TimeUnit.MILLISECONDS)).isBetween(1L, 2000L);
  }
}
