package dev.molt.cli;

import dev.molt.api.v1.Check;
import dev.molt.api.v1.HostStatus;
import dev.molt.api.v1.Snapshot;
import dev.molt.api.v1.StopReport;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeEvent;
import dev.molt.api.v1.UpgradePlan;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.UpgradeState;
import dev.molt.api.v1.Workload;
import java.util.ArrayList;
import java.util.List;

/** Realistic answers of a daemon, for the fakes to give. */
final class Samples {
  static final String UPGRADE_ID = "upg-3f2a9c1e";
  static final long CREATED = 1_795_000_000_000L; // 2026-11-18 11:06:40Z

  private Samples() {}

  static HostStatus host() {
    return HostStatus.newBuilder()
        .setKernelRelease("6.18.0-1-amd64")
        .setCriuVersion("4.2.1")
        .setCriuKernelOk(true)
        .setStorePath("/var/lib/molt/store")
        .setStoreUsedBytes(3L << 30)
        .setStoreFreeBytes(40L << 30)
        .setSnapshots(2)
        .build();
  }

  static UpgradeSpec spec() {
    return UpgradeSpec.newBuilder()
        .addWorkloads(Workload.newBuilder().setCgroup("molt-demo/counter"))
        .setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART)
        .setTcpEstablished(true)
        .build();
  }

  static StopReport stopReport() {
    return StopReport.newBuilder()
        .addPhases(phase("park", 12))
        .addPhases(phase("dump", 510))
        .addPhases(phase("persist", 95))
        .addPhases(phase("switch", 2_480))
        .addPhases(phase("coordinator-start", 640))
        .addPhases(phase("restore", 630))
        .addPhases(phase("verify", 40))
        .addPhases(phase("unpark", 3))
        .setTotalStopMillis(4_410)
        .setImageBytes(57L << 20)
        .setStoredBytes(31L << 20)
        .build();
  }

  /** An upgrade in {@code state}; DONE ones have a stop report. */
  static Upgrade upgrade(String id, UpgradeState state) {
    var upgrade =
        Upgrade.newBuilder()
            .setId(id)
            .setRequestId("req-" + id)
            .setSpec(spec())
            .setState(state)
            .setCreatedAtMillis(CREATED)
            .setUpdatedAtMillis(CREATED + 9_000)
            .setFromKernel("6.18.0-1-amd64")
            .setToKernel("6.18.0-1-amd64")
            .addSnapshotIds("snap-" + id);
    if (state == UpgradeState.DONE) {
      upgrade.setStopReport(stopReport());
    }
    if (state == UpgradeState.ABORTED
        || state == UpgradeState.ROLLED_BACK
        || state == UpgradeState.FAILED) {
      upgrade.setReason("restore of pid 4242 failed: Can't fork for 4242: File exists");
    }
    return upgrade.build();
  }

  /**
   * The events of an upgrade from PLANNED to {@code end}, sequences 1.., one per state with two
   * byte updates while dumping; the last carries the final Upgrade.
   */
  static List<UpgradeEvent> events(String id, UpgradeState end) {
    var events = new ArrayList<UpgradeEvent>();
    List<UpgradeState> path =
        switch (end) {
          case DONE ->
              List.of(
                  UpgradeState.PLANNED, UpgradeState.PREFLIGHT, UpgradeState.PARKING,
                  UpgradeState.DUMPING, UpgradeState.DUMPING, UpgradeState.PERSISTED,
                  UpgradeState.SWITCHING, UpgradeState.RESTORING, UpgradeState.VERIFYING,
                  UpgradeState.DONE);
          case ABORTED ->
              List.of(UpgradeState.PLANNED, UpgradeState.PREFLIGHT, UpgradeState.ABORTED);
          default ->
              List.of(
                  UpgradeState.PLANNED, UpgradeState.PREFLIGHT, UpgradeState.PARKING,
                  UpgradeState.DUMPING, UpgradeState.PERSISTED, UpgradeState.SWITCHING,
                  UpgradeState.RESTORING, end);
        };
    long sequence = 0;
    boolean dumpedOnce = false;
    for (UpgradeState state : path) {
      var event =
          UpgradeEvent.newBuilder()
              .setUpgradeId(id)
              .setSequence(++sequence)
              .setAtMillis(CREATED + sequence * 500)
              .setState(state)
              .setMessage(message(state));
      if (state == UpgradeState.DUMPING) {
        event.setBytesDone(dumpedOnce ? 57L << 20 : 20L << 20).setBytesTotal(57L << 20);
        dumpedOnce = true;
      }
      if (state == UpgradeState.PERSISTED) {
        event.addWarnings("snapshot holds an open file on tmpfs: /tmp/counter.log");
      }
      if (state == end) {
        event.setUpgrade(upgrade(id, end));
      }
      events.add(event.build());
    }
    return events;
  }

  static UpgradePlan plan(boolean ok) {
    return UpgradePlan.newBuilder()
        .addSteps("park cgroup molt-demo/counter")
        .addSteps("dump 1 process tree (root pid 4242)")
        .addSteps("persist to /var/lib/molt/store")
        .addSteps("restart moltd")
        .addSteps("restore, verify, unpark")
        .addChecks(check("criu", true, "CRIU 4.2.1, `criu check` passed"))
        .addChecks(check("workload:molt-demo/counter", true, "1 process tree, 3 processes"))
        .addChecks(
            ok
                ? check("space", true, "57.0 MiB needed, 40.0 GiB free")
                : check("space", false, "57.0 MiB needed, 12.0 MiB free: delete old snapshots"))
        .setOk(ok)
        .addRootPids(4242)
        .setEstimatedImageBytes(57L << 20)
        .setStoreFreeBytes(ok ? 40L << 30 : 12L << 20)
        .build();
  }

  static Snapshot snapshot(String id) {
    return Snapshot.newBuilder()
        .setId(id)
        .setCreatedAtMillis(CREATED)
        .setRootPid(4242)
        .addPids(4242)
        .addPids(4243)
        .setFiles(7)
        .setImageBytes(57L << 20)
        .setStoredBytes(31L << 20)
        .putLabels("workload", "cgroup:molt-demo/counter")
        .build();
  }

  private static String message(UpgradeState state) {
    return switch (state) {
      case PLANNED -> "upgrade planned";
      case PREFLIGHT -> "running preflight checks";
      case PARKING -> "freezing cgroup molt-demo/counter";
      case DUMPING -> "dumping pid 4242";
      case PERSISTED -> "snapshot committed";
      case SWITCHING -> "restarting moltd";
      case RESTORING -> "restoring pid 4242";
      case VERIFYING -> "checking the restored tree";
      case DONE -> "workloads unparked";
      case ABORTED -> "preflight failed: space";
      case ROLLED_BACK -> "restored on the old kernel";
      case FAILED -> "restore failed";
      default -> state.toString();
    };
  }

  private static Check check(String name, boolean ok, String detail) {
    return Check.newBuilder().setName(name).setOk(ok).setDetail(detail).build();
  }

  private static StopReport.Phase phase(String name, long millis) {
    return StopReport.Phase.newBuilder().setName(name).setMillis(millis).build();
  }
}
