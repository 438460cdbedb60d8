package dev.molt.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.CreateSnapshotRequest;
import dev.molt.api.v1.DeleteSnapshotRequest;
import dev.molt.api.v1.ListSnapshotsResponse;
import dev.molt.api.v1.RestoreSnapshotRequest;
import dev.molt.api.v1.RestoreSnapshotResponse;
import dev.molt.api.v1.Snapshot;
import dev.molt.api.v1.VerifySnapshotRequest;
import dev.molt.api.v1.VerifySnapshotResponse;
import dev.molt.api.v1.Workload;
import io.grpc.Status;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SnapshotCommandsTest {
  @RegisterExtension final CliHarness cli = new CliHarness();

  @Test
  void createSendsTheWorkloadAndPrintsTheSnapshot() {
    cli.snapshots.created = Samples.snapshot("snap-1");

    CliRun run = cli.run("snapshot", "create", "--workload", "unit:redis-server.service");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .containsPattern("Snapshot +snap-1")
        .containsPattern("pids +4242, 4243")
        .containsPattern("images +57\\.0 MiB")
        .containsPattern("label workload +cgroup:molt-demo/counter");
    CreateSnapshotRequest request = cli.snapshots.last(CreateSnapshotRequest.class);
    assertThat(request.getWorkload())
        .isEqualTo(Workload.newBuilder().setSystemdUnit("redis-server.service").build());
    assertThat(request.getStop()).isFalse();
    assertThat(request.getTcpEstablished()).isTrue();
    assertThat(UUID.fromString(request.getRequestId())).isNotNull();
  }

  @Test
  void createWithStopAndNoTcp() {
    cli.run("snapshot", "create", "-w", "pid:4242", "--stop", "--no-tcp", "--request-id", "r-1");

    assertThat(cli.snapshots.last(CreateSnapshotRequest.class))
        .isEqualTo(
            CreateSnapshotRequest.newBuilder()
                .setRequestId("r-1")
                .setWorkload(Workload.newBuilder().setPid(4242))
                .setStop(true)
                .setTcpEstablished(false)
                .build());
  }

  @Test
  void createHasTenMinutesForABigCheckpoint() {
    cli.run("snapshot", "create", "-w", "pid:4242");

    assertThat(cli.snapshots.lastDeadline.timeRemaining(TimeUnit.MINUTES)).isBetween(9L, 10L);
  }

  @Test
  void createWithoutRoomInTheStoreExitsNine() {
    cli.snapshots.failure =
        Status.RESOURCE_EXHAUSTED.withDescription("57.0 MiB needed, 12.0 MiB free in /var/lib/molt");

    CliRun run = cli.run("snapshot", "create", "-w", "pid:4242");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.NO_SPACE);
    assertThat(run.err()).isEqualTo("molt: 57.0 MiB needed, 12.0 MiB free in /var/lib/molt\n");
  }

  @Test
  void listShowsATableAndJsonShowsTheResponse() {
    cli.snapshots.snapshots = List.of(Samples.snapshot("snap-1"), Samples.snapshot("snap-2"));

    CliRun text = cli.run("snapshot", "list");
    CliRun json = cli.run("snapshot", "list", "-o", "json");

    assertThat(text.exitCode()).isZero();
    assertThat(text.out())
        .containsPattern("ID +CREATED +ROOT PID +PROCESSES +FILES +IMAGES +STORED")
        .containsPattern("snap-1 +2026-11-18 11:06:40Z +4242 +2 +7 +57\\.0 MiB +31\\.0 MiB")
        .contains("snap-2");
    assertThat(JsonOutput.parse(json.out(), ListSnapshotsResponse.getDefaultInstance()).getSnapshotsList())
        .extracting(Snapshot::getId)
        .containsExactly("snap-1", "snap-2");
  }

  @Test
  void listSaysSoWhenEmpty() {
    assertThat(cli.run("snapshot", "list").out()).isEqualTo("No snapshots.\n");
  }

  @Test
  void verifyOfAWholeSnapshotExitsZero() {
    cli.snapshots.verification =
        VerifySnapshotResponse.newBuilder().setOk(true).setBytesChecked(31L << 20).build();

    CliRun run = cli.run("snapshot", "verify", "snap-1");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("Snapshot snap-1 is whole: 31.0 MiB checked.\n");
    assertThat(cli.snapshots.last(VerifySnapshotRequest.class).getSnapshotId()).isEqualTo("snap-1");
  }

  @Test
  void verifyOfADamagedSnapshotListsItsProblemsAndExitsEight() {
    cli.snapshots.verification =
        VerifySnapshotResponse.newBuilder()
            .setOk(false)
            .addProblems("chunk pages-1.img#3: checksum mismatch")
            .addProblems("chunk core-4242.img#0: missing")
            .setBytesChecked(30L << 20)
            .build();

    CliRun run = cli.run("snapshot", "verify", "snap-1");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.DATA_LOSS);
    assertThat(run.out())
        .contains("Snapshot snap-1 is DAMAGED (30.0 MiB checked):")
        .contains("  chunk pages-1.img#3: checksum mismatch")
        .contains("  chunk core-4242.img#0: missing");
  }

  @Test
  void verifyAsJsonIsTheResponseAndKeepsTheExitCode() {
    cli.snapshots.verification = VerifySnapshotResponse.newBuilder().setOk(false).build();

    CliRun run = cli.run("snapshot", "verify", "snap-1", "-o", "json");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.DATA_LOSS);
    assertThat(JsonOutput.parse(run.out(), VerifySnapshotResponse.getDefaultInstance()).getOk())
        .isFalse();
  }

  @Test
  void restorePrintsTheNewRootPid() {
    cli.snapshots.restored = RestoreSnapshotResponse.newBuilder().setPid(4242).build();

    CliRun run = cli.run("snapshot", "restore", "snap-1");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("Restored snapshot snap-1: its root process is pid 4242.\n");
    RestoreSnapshotRequest request = cli.snapshots.last(RestoreSnapshotRequest.class);
    assertThat(request.getSnapshotId()).isEqualTo("snap-1");
    assertThat(request.getTcpEstablished()).isTrue();
    assertThat(request.getRequestId()).isNotEmpty();
  }

  @Test
  void restoreOfADamagedSnapshotExitsEight() {
    cli.snapshots.failure =
        Status.DATA_LOSS.withDescription("snapshot snap-1: chunk pages-1.img#3 checksum mismatch");

    CliRun run = cli.run("snapshot", "restore", "snap-1");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.DATA_LOSS);
    assertThat(run.err()).contains("chunk pages-1.img#3 checksum mismatch");
  }

  @Test
  void rmDeletesTheSnapshot() {
    CliRun run = cli.run("snapshot", "rm", "snap-1");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).isEqualTo("Deleted snapshot snap-1.\n");
    assertThat(cli.snapshots.last(DeleteSnapshotRequest.class).getSnapshotId()).isEqualTo("snap-1");
  }

  @Test
  void rmOfASnapshotAnUpgradeNeedsExitsThree() {
    cli.snapshots.failure =
        Status.FAILED_PRECONDITION.withDescription("upgrade upg-1 still needs snapshot snap-1");

    CliRun run = cli.run("snapshot", "rm", "snap-1");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.PRECONDITION);
    assertThat(run.err()).isEqualTo("molt: upgrade upg-1 still needs snapshot snap-1\n");
  }

  @Test
  void createNeedsAWorkload() {
    CliRun run = cli.run("snapshot", "create");

    assertThat(run.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(run.err()).contains("Missing required option: '--workload=SPEC'");
  }
}
