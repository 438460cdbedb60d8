package dev.molt.upgrade;

import dev.molt.api.v1.Workload;
import dev.molt.criu.v1.CriuAdapterGrpc.CriuAdapterBlockingStub;
import dev.molt.criu.v1.DumpProgress;
import dev.molt.criu.v1.DumpRequest;
import dev.molt.criu.v1.SnapshotInfo;
import dev.molt.criu.v1.TcpMode;
import dev.molt.netlock.NetworkLock;
import dev.molt.netlock.TcpSockets;
import java.io.IOException;
import java.time.Clock;
import java.util.Iterator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A snapshot of one workload outside an upgrade: parked for the length of the dump (network
 * locked, cgroup frozen), then thawed, or ended when the operator asks to stop it.
 */
public final class WorkloadSnapshots {
    private final Workloads workloads;
    private final CriuAdapterBlockingStub criu;
    private final NetworkLock networkLock;
    private final Clock clock;

    public WorkloadSnapshots(Workloads workloads, CriuAdapterBlockingStub criu, NetworkLock networkLock, Clock clock) {
        this.workloads = workloads;
        this.criu = criu;
        this.networkLock = networkLock;
        this.clock = clock;
    }

    public SnapshotInfo create(Workload workload, boolean stop, boolean tcp) {
        Workloads.Target target = workloads.prepareCgroup(workloads.resolve(workload));
        String id = "s-" + clock.millis() + "-" + UUID.randomUUID().toString().substring(0, 8);
        String table = "molt-" + id;
        try {
            networkLock.lock(table, TcpSockets.heldBy(target.pids()));
            workloads.freeze(target.cgroupDir(), Upgrader.FREEZE_TIMEOUT);
            Iterator<DumpProgress> it = criu.withDeadlineAfter(30, TimeUnit.MINUTES).dump(DumpRequest.newBuilder()
                    .setPid((int) target.rootPid())
                    .setSnapshotId(id)
                    .setLeaveRunning(!stop)
                    .setFreezeCgroup(target.cgroupDir().toString())
                    .setExternalNetworkLock(true)
                    .setTcp(tcp ? TcpMode.TCP_MODE_ESTABLISHED : TcpMode.TCP_MODE_REFUSE)
                    .putLabels("workload", target.name())
                    .putLabels("kernel", HostInfo.kernelRelease())
                    .build());
            SnapshotInfo info = null;
            while (it.hasNext()) {
                DumpProgress p = it.next();
                if (p.hasSnapshot()) {
                    info = p.getSnapshot();
                }
            }
            if (info == null) {
                throw new IllegalStateException("the criu-adapter ended the dump without a snapshot");
            }
            return info;
        } catch (IOException e) {
            throw new IllegalStateException("cannot lock the network of " + target.name() + ": " + e.getMessage(), e);
        } finally {
            workloads.thaw(target.cgroupDir());
            try {
                networkLock.unlock(table);
            } catch (IOException e) {
                // Reported by the next lock of that table; the snapshot itself is fine.
            }
        }
    }
}
