package dev.molt.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.Workload;
import dev.molt.criu.v1.CheckRequest;
import dev.molt.criu.v1.CheckResponse;
import dev.molt.criu.v1.CriuAdapterGrpc;
import dev.molt.criu.v1.DeleteSnapshotRequest;
import dev.molt.criu.v1.DeleteSnapshotResponse;
import dev.molt.criu.v1.DumpProgress;
import dev.molt.criu.v1.DumpRequest;
import dev.molt.journal.v1.UpgradeRecord;
import dev.molt.kexec.KernelSwitch;
import dev.molt.kexec.SwitchPlan;
import dev.molt.netlock.NetworkLock;
import dev.molt.store.MoltStore;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A step that fails after journaling its state: the upgrade must still end ABORTED, undoing what
 * that state did (thaw, unlock), journaled from the newest record. The criu-adapter, the workload
 * layer and the kernel switch are fakes; the journal is a real store on disk.
 */
class UpgraderAbortTest {
    @TempDir
    Path dir;

    MoltStore store;
    Server adapterServer;
    ManagedChannel channel;
    final FakeCriuAdapter adapter = new FakeCriuAdapter();
    final FakeWorkloads workloads = new FakeWorkloads();
    final FakeSwitch kernelSwitch = new FakeSwitch();
    ExecutorService executor;
    UpgradeJournal journal;
    Upgrader upgrader;

    static final UpgradeSpec SPEC = UpgradeSpec.newBuilder()
            // A pid that exists (its start time is journaled at park): this test's own JVM. Nothing
            // real is done to it: freezing goes through the fake.
            .addWorkloads(Workload.newBuilder().setPid((int) ProcessHandle.current().pid()))
            .setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART)
            .setTcpEstablished(true)
            .build();

    @BeforeEach
    void start() throws Exception {
        store = MoltStore.open(dir.resolve("store"));
        String name = InProcessServerBuilder.generateName();
        adapterServer = InProcessServerBuilder.forName(name).directExecutor().addService(adapter).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        var criu = CriuAdapterGrpc.newBlockingStub(channel);
        journal = new UpgradeJournal(store.journal(), Clock.systemUTC());
        executor = Executors.newSingleThreadExecutor();
        upgrader = new Upgrader(journal, new EventHub(), workloads, criu,
                new Preflight(workloads, criu, () -> 1L << 40), (spec, parked) -> kernelSwitch,
                // "true" stands in for nft: the lock's commands succeed and change nothing.
                new NetworkLock("true"), CrashPoints.none(), Clock.systemUTC(), executor);
    }

    @AfterEach
    void stop() throws Exception {
        executor.shutdownNow();
        channel.shutdownNow();
        adapterServer.shutdownNow();
        store.close();
    }

    @Test
    void aDumpThatFailsAfterDumpingWasJournaledAbortsAndThawsTheWorkload() throws Exception {
        adapter.dumpFailure = Status.RESOURCE_EXHAUSTED.withDescription("Molt store: disk full");

        UpgradeRecord last = runToTheEnd();

        assertThat(Upgrader.state(last)).isInstanceOf(UpgradeState.Aborted.class);
        assertThat(last.getEvent().getUpgrade().getReason())
                .isEqualTo("dumping failed: RESOURCE_EXHAUSTED: Molt store: disk full");
        assertThat(workloads.thawed).containsExactly(FakeWorkloads.CGROUP);
        assertThat(kernelSwitch.cancelled).isTrue();
        assertThat(journal.active()).as("no upgrade left active").isEmpty();
        assertThat(journal.events(Upgrader.id(last), 0)).extracting(e -> e.getState().name())
                .containsSubsequence("PARKING", "DUMPING", "ABORTED");
    }

    @Test
    void aFreezeThatTimesOutAfterParkingWasJournaledAbortsAndThawsTheWorkload() throws Exception {
        workloads.freezeFailure = new UpgradeException.FailedPrecondition("cgroup did not report frozen in 30 s");

        UpgradeRecord last = runToTheEnd();

        assertThat(last.getEvent().getUpgrade().getReason())
                .isEqualTo("parking failed: cgroup did not report frozen in 30 s");
        assertThat(workloads.thawed).as("a half-frozen cgroup is thawed").containsExactly(FakeWorkloads.CGROUP);
        assertThat(journal.active()).isEmpty();
    }

    private UpgradeRecord runToTheEnd() throws InterruptedException {
        String id = upgrader.start("req-1", SPEC).getId();
        executor.shutdown();
        assertThat(executor.awaitTermination(60, TimeUnit.SECONDS)).as("the upgrade's thread ends").isTrue();
        return journal.last(id).orElseThrow();
    }

    /** Dry-run dumps succeed; the real dump fails with {@link #dumpFailure}. */
    static final class FakeCriuAdapter extends CriuAdapterGrpc.CriuAdapterImplBase {
        volatile Status dumpFailure;

        @Override
        public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
            out.onNext(CheckResponse.newBuilder().setCriuVersion("4.2.1").setKernelOk(true).build());
            out.onCompleted();
        }

        @Override
        public void dump(DumpRequest request, StreamObserver<DumpProgress> out) {
            if (request.getSnapshotId().isEmpty()) {
                out.onNext(DumpProgress.newBuilder().setPhase("checked").setBytesTotal(1 << 20).build());
                out.onCompleted();
            } else if (dumpFailure != null) {
                out.onNext(DumpProgress.newBuilder().setPhase("dumping").build());
                out.onError(dumpFailure.asRuntimeException());
            } else {
                out.onError(Status.UNIMPLEMENTED.withDescription("only failing dumps here").asRuntimeException());
            }
        }

        @Override
        public void deleteSnapshot(DeleteSnapshotRequest request, StreamObserver<DeleteSnapshotResponse> out) {
            out.onError(Status.NOT_FOUND.withDescription("no snapshot " + request.getSnapshotId()).asRuntimeException());
        }
    }

    /** One workload in a made-up cgroup; records freezes and thaws. */
    static final class FakeWorkloads implements Workloads {
        static final Path CGROUP = Path.of("/sys/fs/cgroup/fake/molt/pid-test");
        final List<Path> frozen = new ArrayList<>();
        final List<Path> thawed = new ArrayList<>();
        volatile RuntimeException freezeFailure;

        @Override
        public Target resolve(Workload workload) {
            return new Target("pid-" + workload.getPid(), CGROUP, true, workload.getPid(), List.of((long) workload.getPid()));
        }

        @Override
        public Target prepareCgroup(Target target) {
            return target;
        }

        @Override
        public synchronized void freeze(Path cgroupDir, Duration timeout) {
            frozen.add(cgroupDir);
            if (freezeFailure != null) {
                throw freezeFailure;
            }
        }

        @Override
        public synchronized void thaw(Path cgroupDir) {
            thawed.add(cgroupDir);
        }
    }

    static final class FakeSwitch implements KernelSwitch {
        volatile boolean cancelled;

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public void prepare(SwitchPlan plan) {}

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public void execute() {
            throw new AssertionError("these upgrades must never reach the switch");
        }
    }
}
