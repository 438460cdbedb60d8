package dev.molt.api;

import dev.molt.api.v1.GetStatusRequest;
import dev.molt.api.v1.HostGrpc;
import dev.molt.api.v1.HostStatus;
import dev.molt.criu.v1.CheckRequest;
import dev.molt.criu.v1.CriuAdapterGrpc.CriuAdapterBlockingStub;
import dev.molt.criu.v1.ListSnapshotsRequest;
import dev.molt.store.MoltStore;
import dev.molt.upgrade.HostInfo;
import dev.molt.upgrade.Upgrader;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;

/** The Host API: what runs here and in what state. */
public final class HostService extends HostGrpc.HostImplBase {
    private final CriuAdapterBlockingStub criu;
    private final MoltStore store;
    private final Upgrader upgrader;

    public HostService(CriuAdapterBlockingStub criu, MoltStore store, Upgrader upgrader) {
        this.criu = criu;
        this.store = store;
        this.upgrader = upgrader;
    }

    @Override
    public void getStatus(GetStatusRequest request, StreamObserver<HostStatus> out) {
        UpgradesService.unary(out, () -> {
            HostStatus.Builder b = HostStatus.newBuilder()
                    .setKernelRelease(HostInfo.kernelRelease())
                    .setStorePath(store.path().toString())
                    .setStoreUsedBytes(store.usedBytes())
                    .setStoreFreeBytes(store.freeBytes());
            try {
                var check = criu.withDeadlineAfter(60, TimeUnit.SECONDS).check(CheckRequest.newBuilder().setFull(true).build());
                b.setCriuVersion(check.getCriuVersion()).setCriuKernelOk(check.getKernelOk());
            } catch (StatusRuntimeException e) {
                b.setCriuVersion("unavailable: " + e.getStatus().getDescription());
            }
            b.setSnapshots(criu.withDeadlineAfter(60, TimeUnit.SECONDS)
                    .listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getSnapshotsCount());
            upgrader.active().ifPresent(b::setActiveUpgrade);
            return b.build();
        });
    }
}
