package dev.molt.api;

import static dev.molt.api.UpgradesService.unary;

import dev.molt.api.v1.CreateSnapshotRequest;
import dev.molt.api.v1.DeleteSnapshotRequest;
import dev.molt.api.v1.DeleteSnapshotResponse;
import dev.molt.api.v1.ListSnapshotsRequest;
import dev.molt.api.v1.ListSnapshotsResponse;
import dev.molt.api.v1.RestoreSnapshotRequest;
import dev.molt.api.v1.RestoreSnapshotResponse;
import dev.molt.api.v1.Snapshot;
import dev.molt.api.v1.SnapshotsGrpc;
import dev.molt.api.v1.VerifySnapshotRequest;
import dev.molt.api.v1.VerifySnapshotResponse;
import dev.molt.criu.v1.CriuAdapterGrpc.CriuAdapterBlockingStub;
import dev.molt.criu.v1.RestoreProgress;
import dev.molt.criu.v1.RestoreRequest;
import dev.molt.criu.v1.SnapshotInfo;
import dev.molt.criu.v1.TcpMode;
import dev.molt.upgrade.UpgradeException;
import dev.molt.upgrade.Upgrader;
import dev.molt.upgrade.WorkloadSnapshots;
import io.grpc.stub.StreamObserver;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/** The Snapshots API: snapshots outside upgrades, through the criu-adapter. */
public final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
    private final CriuAdapterBlockingStub criu;
    private final WorkloadSnapshots snapshots;
    private final Upgrader upgrader;

    public SnapshotsService(CriuAdapterBlockingStub criu, WorkloadSnapshots snapshots, Upgrader upgrader) {
        this.criu = criu;
        this.snapshots = snapshots;
        this.upgrader = upgrader;
    }

    @Override
    public void createSnapshot(CreateSnapshotRequest request, StreamObserver<Snapshot> out) {
        unary(out, () -> {
            if (!request.hasWorkload()) {
                throw new UpgradeException.InvalidArgument("workload", "required");
            }
            return toApi(snapshots.create(request.getWorkload(), request.getStop(), request.getTcpEstablished()));
        });
    }

    @Override
    public void listSnapshots(ListSnapshotsRequest request, StreamObserver<ListSnapshotsResponse> out) {
        unary(out, () -> {
            var list = criu.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .listSnapshots(dev.molt.criu.v1.ListSnapshotsRequest.getDefaultInstance());
            ListSnapshotsResponse.Builder b = ListSnapshotsResponse.newBuilder();
            list.getSnapshotsList().forEach(s -> b.addSnapshots(toApi(s)));
            return b.build();
        });
    }

    @Override
    public void verifySnapshot(VerifySnapshotRequest request, StreamObserver<VerifySnapshotResponse> out) {
        unary(out, () -> {
            String id = requireId(request.getSnapshotId());
            var r = known(id, () -> criu.withDeadlineAfter(10, TimeUnit.MINUTES).verifySnapshot(
                    dev.molt.criu.v1.VerifySnapshotRequest.newBuilder().setSnapshotId(id).build()));
            return VerifySnapshotResponse.newBuilder().setOk(r.getOk()).addAllProblems(r.getProblemsList())
                    .setBytesChecked(r.getBytesChecked()).build();
        });
    }

    @Override
    public void restoreSnapshot(RestoreSnapshotRequest request, StreamObserver<RestoreSnapshotResponse> out) {
        unary(out, () -> {
            String id = requireId(request.getSnapshotId());
            boolean exists = criu.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .listSnapshots(dev.molt.criu.v1.ListSnapshotsRequest.getDefaultInstance())
                    .getSnapshotsList().stream().anyMatch(s -> s.getId().equals(id));
            if (!exists) {
                throw new UpgradeException.NotFound("snapshot", id, "no snapshot " + id + " in the store (molt snapshot list shows them)");
            }
            Iterator<RestoreProgress> it = criu.withDeadlineAfter(30, TimeUnit.MINUTES).restore(RestoreRequest.newBuilder()
                    .setSnapshotId(id)
                    .setTcp(request.getTcpEstablished() ? TcpMode.TCP_MODE_ESTABLISHED : TcpMode.TCP_MODE_REFUSE)
                    .build());
            int pid = 0;
            while (it.hasNext()) {
                pid = Math.max(pid, it.next().getPid());
            }
            return RestoreSnapshotResponse.newBuilder().setPid(pid).build();
        });
    }

    @Override
    public void deleteSnapshot(DeleteSnapshotRequest request, StreamObserver<DeleteSnapshotResponse> out) {
        unary(out, () -> {
            String id = requireId(request.getSnapshotId());
            upgrader.active().ifPresent(u -> {
                if (u.getSnapshotIdsList().contains(id)) {
                    throw new UpgradeException.FailedPrecondition("IN_USE", "snapshot/" + id, "snapshot " + id + " belongs to the running upgrade "
                            + u.getId() + ", which may still need it");
                }
            });
            known(id, () -> criu.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .deleteSnapshot(dev.molt.criu.v1.DeleteSnapshotRequest.newBuilder().setSnapshotId(id).build()));
            return DeleteSnapshotResponse.getDefaultInstance();
        });
    }

    /** The adapter's NOT_FOUND for a snapshot id, as a NotFound naming the snapshot. */
    private static <T> T known(String id, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (io.grpc.StatusRuntimeException e) {
            if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
                throw new UpgradeException.NotFound("snapshot", id, "no snapshot " + id + " in the store (molt snapshot list shows them)");
            }
            throw e;
        }
    }

    private static String requireId(String id) {
        if (id.isBlank()) {
            throw new UpgradeException.InvalidArgument("snapshot_id", "required");
        }
        if (id.length() > 128) {
            throw new UpgradeException.InvalidArgument("snapshot_id", "longer than 128 characters");
        }
        return id;
    }

    static Snapshot toApi(SnapshotInfo s) {
        return Snapshot.newBuilder()
                .setId(s.getId())
                .setCreatedAtMillis(s.getCreatedAtMillis())
                .setRootPid(s.getRootPid())
                .addAllPids(s.getPidsList())
                .setFiles(s.getFiles())
                .setImageBytes(s.getImageBytes())
                .setStoredBytes(s.getStoredBytes())
                .putAllLabels(s.getLabelsMap())
                .build();
    }
}
