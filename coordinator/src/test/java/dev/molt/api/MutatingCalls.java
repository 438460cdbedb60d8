package dev.molt.api;

import dev.molt.api.v1.ApplyPatchRequest;
import dev.molt.api.v1.CancelUpgradeRequest;
import dev.molt.api.v1.LivepatchesGrpc;
import dev.molt.api.v1.RevertPatchRequest;
import dev.molt.api.v1.CreateSnapshotRequest;
import dev.molt.api.v1.DeleteSnapshotRequest;
import dev.molt.api.v1.RestoreSnapshotRequest;
import dev.molt.api.v1.SnapshotsGrpc;
import dev.molt.api.v1.StartUpgradeRequest;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.UpgradesGrpc;
import dev.molt.api.v1.Workload;
import io.grpc.Channel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Every rpc that changes the host, each with a request naming nothing that exists: a caller the
 * gate lets through gets NOT_FOUND, one it refuses gets PERMISSION_DENIED, and nothing changes.
 */
final class MutatingCalls {
    /** Above any pid_max Linux allows (2^22): no process has it. */
    static final int NO_SUCH_PID = 5_000_000;

    private MutatingCalls() {}

    static Map<String, Consumer<Channel>> all() {
        Map<String, Consumer<Channel>> calls = new LinkedHashMap<>();
        calls.put("StartUpgrade", ch -> upgrades(ch).startUpgrade(StartUpgradeRequest.newBuilder()
                .setRequestId("req-" + System.nanoTime())
                .setSpec(UpgradeSpec.newBuilder().addWorkloads(Workload.newBuilder().setPid(NO_SUCH_PID))
                        .setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART))
                .build()));
        calls.put("CancelUpgrade", ch -> upgrades(ch).cancelUpgrade(CancelUpgradeRequest.newBuilder().setUpgradeId("u-nosuch").build()));
        calls.put("CreateSnapshot", ch -> snapshots(ch).createSnapshot(CreateSnapshotRequest.newBuilder()
                .setWorkload(Workload.newBuilder().setPid(NO_SUCH_PID)).build()));
        calls.put("RestoreSnapshot", ch -> snapshots(ch).restoreSnapshot(RestoreSnapshotRequest.newBuilder().setSnapshotId("s-nosuch").build()));
        calls.put("DeleteSnapshot", ch -> snapshots(ch).deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId("s-nosuch").build()));
        calls.put("ApplyPatch", ch -> livepatches(ch).applyPatch(ApplyPatchRequest.newBuilder()
                .setModulePath("/nonexistent/molt-nosuch.ko").build()).hasNext());
        calls.put("RevertPatch", ch -> livepatches(ch).revertPatch(RevertPatchRequest.newBuilder().setName("nosuch").build()).hasNext());
        return calls;
    }

    static LivepatchesGrpc.LivepatchesBlockingStub livepatches(Channel ch) {
        return LivepatchesGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static UpgradesGrpc.UpgradesBlockingStub upgrades(Channel ch) {
        return UpgradesGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    static SnapshotsGrpc.SnapshotsBlockingStub snapshots(Channel ch) {
        return SnapshotsGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
    }
}
