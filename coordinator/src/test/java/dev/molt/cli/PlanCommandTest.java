package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.PlanRequest;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.UpgradePlan;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PlanCommandTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  @Test
  void aPassingPlanShowsStepsAndEveryCheckAndExitsZero() {
    cli.upgrades.plan = Samples.plan(true);

    CliRun run = cli.run("plan", "--workload", "cgroup:molt-demo/counter", "--switch", "restart");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(" 1. park cgroup molt-demo/counter")
        .contains(" 5. restore, verify, unpark")
        .containsPattern("ok +criu +CRIU 4.2.1")
        .containsPattern("ok +workload:molt-demo/counter +1 process tree")
        .containsPattern("ok +space +57.0 MiB needed")
        .contains("Process trees to park: 4242")
        .contains("Estimated images: 57.0 MiB, store free: 40.0 GiB")
        .contains("Preflight passed");
  }

  @Test
  void aFailingCheckIsShownAsFailWithItsDetailAndExitsThree() {
    cli.upgrades.plan = Samples.plan(false);

    CliRun run = cli.run("plan", "-w", "cgroup:molt-demo/counter", "--switch", "restart");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.PRECONDITION);
    assertThat(run.out())
        .containsPattern("FAIL +space +57.0 MiB needed, 12.0 MiB free: delete old snapshots")
        .contains("Preflight FAILED (1 check(s))");
  }

  @Test
  void sendsTheSpecBuiltFromTheOptions() {
    CliRun run =
        cli.run(
            "plan",
            "--workload", "cgroup:molt-demo/counter",
            "--workload", "unit:redis-server.service",
            "--workload", "pid:4242",
            "--kernel", "/boot/vmlinuz-6.1.0-56-amd64",
            "--initrd", "/boot/initrd.img-6.1.0-56-amd64",
            "--cmdline", "root=/dev/vda1 quiet",
            "--no-tcp");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.PRECONDITION);
    UpgradeSpec spec = cli.upgrades.last(PlanRequest.class).getSpec();
    assertThat(spec.getWorkloadsList())
        .containsExactly(
            Workload.newBuilder().setCgroup("molt-demo/counter").build(),
            Workload.newBuilder().setSystemdUnit("redis-server.service").build(),
            Workload.newBuilder().setPid(4242).build());
    assertThat(spec.getSwitchMethod()).isEqualTo(SwitchMethod.SWITCH_METHOD_KEXEC);
    assertThat(spec.getTarget().getKernelPath()).isEqualTo("/boot/vmlinuz-6.1.0-56-amd64");
    assertThat(spec.getTarget().getInitrdPath()).isEqualTo("/boot/initrd.img-6.1.0-56-amd64");
    assertThat(spec.getTarget().getCmdline()).isEqualTo("root=/dev/vda1 quiet");
    assertThat(spec.getTcpEstablished()).isFalse();
  }

  @Test
  void tcpIsOnByDefault() {
    cli.run("plan", "-w", "pid:1", "--switch", "restart");

    assertThat(cli.upgrades.last(PlanRequest.class).getSpec().getTcpEstablished()).isTrue();
    assertThat(cli.upgrades.last(PlanRequest.class).getSpec().getSwitchMethod())
        .isEqualTo(SwitchMethod.SWITCH_METHOD_RESTART);
  }

  @Test
  void relativeKernelPathsAreMadeAbsoluteForADaemonOnThisHost() {
    cli.run("plan", "-w", "pid:1", "--kernel", "vmlinuz", "--initrd", "initrd.img");

    var target = cli.upgrades.last(PlanRequest.class).getSpec().getTarget();
    assertThat(target.getKernelPath()).isEqualTo(Path.of("vmlinuz").toAbsolutePath().toString());
    assertThat(target.getInitrdPath()).isEqualTo(Path.of("initrd.img").toAbsolutePath().toString());
  }

  @Test
  void relativeKernelPathsAreRefusedForADaemonElsewhere() {
    CliRun run =
        cli.run(
            "--connect", "db7.example.net:7468",
            "plan", "-w", "pid:1", "--kernel", "vmlinuz", "--initrd", "/boot/initrd.img");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("molt: --kernel vmlinuz is relative: with --connect, give the absolute path");
    assertThat(cli.upgrades.received(PlanRequest.class)).isFalse();
  }

  @Test
  void kexecWithoutKernelAndInitrdIsAUsageError() {
    CliRun run = cli.run("plan", "-w", "pid:1");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("molt: --switch kexec needs --kernel and --initrd");
    assertThat(cli.upgrades.received(PlanRequest.class)).isFalse();
  }

  @Test
  void restartWithAKernelIsAUsageErrorNamingIt() {
    CliRun run = cli.run("plan", "-w", "pid:1", "--switch", "restart", "--kernel", "/boot/vmlinuz");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err())
        .contains("molt: --kernel /boot/vmlinuz does not fit --switch restart");
  }

  @Test
  void withoutAWorkloadTheDaemonChoosesTheConfiguredOnes() {
    cli.upgrades.plan = Samples.plan(true);

    CliRun run = cli.run("plan", "--switch", "restart");

    assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.OK);
    assertThat(cli.upgrades.requests).last().isInstanceOfSatisfying(dev.molt.api.v1.PlanRequest.class,
        request -> assertThat(request.getSpec().getWorkloadsList()).isEmpty());
  }

  @Test
  void jsonOutputIsThePlan() {
    cli.upgrades.plan = Samples.plan(false);

    CliRun run = cli.run("plan", "-w", "pid:1", "--switch", "restart", "--output", "JSON");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.PRECONDITION);
    assertThat(JsonOutput.parse(run.out(), UpgradePlan.getDefaultInstance()))
        .isEqualTo(Samples.plan(false));
  }

  @Test
  void planHasALongerDeadlineForItsDryRunDump() {
    cli.run("plan", "-w", "pid:1", "--switch", "restart");

    assertThat(cli.upgrades.lastDeadline.timeRemaining(TimeUnit.SECONDS)).isBetween(100L, 120L);
  }
}
