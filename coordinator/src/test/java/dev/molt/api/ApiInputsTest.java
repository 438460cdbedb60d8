package dev.molt.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import dev.molt.api.v1.AuditGrpc;
import dev.molt.api.v1.CancelUpgradeRequest;
import dev.molt.api.v1.CreateSnapshotRequest;
import dev.molt.api.v1.DeleteSnapshotRequest;
import dev.molt.api.v1.GetUpgradeRequest;
import dev.molt.api.v1.ListAuditEntriesRequest;
import dev.molt.api.v1.PlanRequest;
import dev.molt.api.v1.RestoreSnapshotRequest;
import dev.molt.api.v1.StartUpgradeRequest;
import dev.molt.api.v1.SwitchMethod;
import dev.molt.api.v1.TargetKernel;
import dev.molt.api.v1.Upgrade;
import dev.molt.api.v1.UpgradeSpec;
import dev.molt.api.v1.UpgradeState;
import dev.molt.api.v1.VerifySnapshotRequest;
import dev.molt.api.v1.WatchUpgradeRequest;
import dev.molt.api.v1.Workload;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad requests to every rpc, against a real moltd over its Unix socket (as root, an operator):
 * each ends with the right code, a message naming what is wrong, a google.rpc.Status detail a
 * client can act on, and no change to the host's upgrades or snapshots. Then two upgrades asked
 * for at once: exactly one runs.
 */
@Timeout(300)
class ApiInputsTest {
    @TempDir
    static Path dir;

    static TestDaemon daemon;
    static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        daemon = TestDaemon.start(TestDaemon.config(dir));
        channel = daemon.unixChannel();
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            TestDaemon.close(channel);
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    /** One bad request and what it must get. */
    record Case(String name, Consumer<io.grpc.Channel> call, Status.Code code, String message, Class<? extends com.google.protobuf.Message> detail) {}

    static final String LONG = "x".repeat(5000);

    static UpgradeSpec.Builder restart(Workload w) {
        return UpgradeSpec.newBuilder().addWorkloads(w).setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART);
    }

    static UpgradeSpec kexec(String kernel, String initrd) {
        return UpgradeSpec.newBuilder().addWorkloads(Workload.newBuilder().setPid(MutatingCalls.NO_SUCH_PID))
                .setSwitchMethod(SwitchMethod.SWITCH_METHOD_KEXEC)
                .setTarget(TargetKernel.newBuilder().setKernelPath(kernel).setInitrdPath(initrd)).build();
    }

    static Consumer<io.grpc.Channel> start(String requestId, UpgradeSpec spec) {
        return ch -> MutatingCalls.upgrades(ch).startUpgrade(StartUpgradeRequest.newBuilder().setRequestId(requestId).setSpec(spec).build());
    }

    static final Workload NO_SUCH = Workload.newBuilder().setPid(MutatingCalls.NO_SUCH_PID).build();

    static final List<Case> CASES = List.of(
            new Case("StartUpgrade without request_id", start("", restart(NO_SUCH).build()),
                    Status.Code.INVALID_ARGUMENT, "request_id", BadRequest.class),
            new Case("StartUpgrade with a 129-character request_id", start("r".repeat(129), restart(NO_SUCH).build()),
                    Status.Code.INVALID_ARGUMENT, "request_id", BadRequest.class),
            new Case("StartUpgrade with a request_id holding a path", start("../../etc/passwd", restart(NO_SUCH).build()),
                    Status.Code.INVALID_ARGUMENT, "request_id", BadRequest.class),
            new Case("StartUpgrade without workloads", start("r1", UpgradeSpec.newBuilder().setSwitchMethod(SwitchMethod.SWITCH_METHOD_RESTART).build()),
                    Status.Code.INVALID_ARGUMENT, "spec.workloads", BadRequest.class),
            new Case("StartUpgrade without a switch method", start("r1", UpgradeSpec.newBuilder().addWorkloads(NO_SUCH).build()),
                    Status.Code.INVALID_ARGUMENT, "spec.switch_method", BadRequest.class),
            new Case("StartUpgrade with '..' in the kernel path", start("r1", kexec("/boot/../etc/shadow", "/boot/initrd.img")),
                    Status.Code.INVALID_ARGUMENT, "spec.target.kernel_path", BadRequest.class),
            new Case("StartUpgrade with a relative initrd path", start("r1", kexec("/boot/vmlinuz", "initrd.img")),
                    Status.Code.INVALID_ARGUMENT, "spec.target.initrd_path", BadRequest.class),
            new Case("StartUpgrade with an oversized kernel path", start("r1", kexec("/" + LONG, "/boot/initrd.img")),
                    Status.Code.INVALID_ARGUMENT, "spec.target.kernel_path", BadRequest.class),
            new Case("StartUpgrade with an oversized cmdline", start("r1", restart(NO_SUCH).setTarget(TargetKernel.newBuilder().setCmdline(LONG)).build()),
                    Status.Code.INVALID_ARGUMENT, "spec.target.cmdline", BadRequest.class),
            new Case("StartUpgrade with a cgroup climbing out", start("r1", restart(Workload.newBuilder().setCgroup("app/../../../etc").build()).build()),
                    Status.Code.INVALID_ARGUMENT, "spec.workloads[0].cgroup", BadRequest.class),
            new Case("StartUpgrade with a unit name holding a path", start("r1", restart(Workload.newBuilder().setSystemdUnit("../x.service").build()).build()),
                    Status.Code.INVALID_ARGUMENT, "spec.workloads[0].systemd_unit", BadRequest.class),
            new Case("StartUpgrade with a negative pid", start("r1", restart(Workload.newBuilder().setPid(-5).build()).build()),
                    Status.Code.INVALID_ARGUMENT, "spec.workloads[0].pid", BadRequest.class),
            new Case("StartUpgrade of an unknown pid", start("r1", restart(NO_SUCH).build()),
                    Status.Code.NOT_FOUND, "no process " + MutatingCalls.NO_SUCH_PID, ResourceInfo.class),
            new Case("Plan with '..' in the kernel path", ch -> MutatingCalls.upgrades(ch).plan(PlanRequest.newBuilder()
                    .setSpec(kexec("/boot/../../etc/shadow", "/boot/initrd.img")).build()),
                    Status.Code.INVALID_ARGUMENT, "spec.target.kernel_path", BadRequest.class),
            new Case("GetUpgrade without an id", ch -> MutatingCalls.upgrades(ch).getUpgrade(GetUpgradeRequest.getDefaultInstance()),
                    Status.Code.INVALID_ARGUMENT, "upgrade_id", BadRequest.class),
            new Case("GetUpgrade of an unknown id", ch -> MutatingCalls.upgrades(ch).getUpgrade(GetUpgradeRequest.newBuilder().setUpgradeId("u-nosuch").build()),
                    Status.Code.NOT_FOUND, "no upgrade u-nosuch", ResourceInfo.class),
            new Case("GetUpgrade with an oversized id", ch -> MutatingCalls.upgrades(ch).getUpgrade(GetUpgradeRequest.newBuilder().setUpgradeId(LONG).build()),
                    Status.Code.INVALID_ARGUMENT, "upgrade_id", BadRequest.class),
            new Case("WatchUpgrade of an unknown id", ch -> MutatingCalls.upgrades(ch).watchUpgrade(WatchUpgradeRequest.newBuilder().setUpgradeId("u-nosuch").build()).hasNext(),
                    Status.Code.NOT_FOUND, "no upgrade u-nosuch", ResourceInfo.class),
            new Case("CancelUpgrade of an unknown id", ch -> MutatingCalls.upgrades(ch).cancelUpgrade(CancelUpgradeRequest.newBuilder().setUpgradeId("u-nosuch").build()),
                    Status.Code.NOT_FOUND, "no upgrade u-nosuch", ResourceInfo.class),
            new Case("CancelUpgrade with an oversized reason", ch -> MutatingCalls.upgrades(ch).cancelUpgrade(CancelUpgradeRequest.newBuilder().setUpgradeId("u-nosuch").setReason(LONG).build()),
                    Status.Code.INVALID_ARGUMENT, "reason", BadRequest.class),
            new Case("CreateSnapshot without a workload", ch -> MutatingCalls.snapshots(ch).createSnapshot(CreateSnapshotRequest.getDefaultInstance()),
                    Status.Code.INVALID_ARGUMENT, "workload", BadRequest.class),
            new Case("CreateSnapshot of an unknown pid", ch -> MutatingCalls.snapshots(ch).createSnapshot(CreateSnapshotRequest.newBuilder().setWorkload(NO_SUCH).build()),
                    Status.Code.NOT_FOUND, "no process", ResourceInfo.class),
            new Case("CreateSnapshot of moltd itself", ch -> MutatingCalls.snapshots(ch).createSnapshot(CreateSnapshotRequest.newBuilder()
                    .setWorkload(Workload.newBuilder().setPid((int) ProcessHandle.current().pid())).build()),
                    Status.Code.INVALID_ARGUMENT, "contains moltd itself", BadRequest.class),
            new Case("VerifySnapshot without an id", ch -> MutatingCalls.snapshots(ch).verifySnapshot(VerifySnapshotRequest.getDefaultInstance()),
                    Status.Code.INVALID_ARGUMENT, "snapshot_id", BadRequest.class),
            new Case("VerifySnapshot of an unknown id", ch -> MutatingCalls.snapshots(ch).verifySnapshot(VerifySnapshotRequest.newBuilder().setSnapshotId("s-nosuch").build()),
                    Status.Code.NOT_FOUND, "no snapshot s-nosuch", ResourceInfo.class),
            new Case("RestoreSnapshot of an unknown id", ch -> MutatingCalls.snapshots(ch).restoreSnapshot(RestoreSnapshotRequest.newBuilder().setSnapshotId("s-nosuch").build()),
                    Status.Code.NOT_FOUND, "no snapshot s-nosuch", ResourceInfo.class),
            new Case("RestoreSnapshot with a NUL in the id", ch -> MutatingCalls.snapshots(ch).restoreSnapshot(RestoreSnapshotRequest.newBuilder().setSnapshotId("s\0x").build()),
                    Status.Code.INVALID_ARGUMENT, "snapshot_id", BadRequest.class),
            new Case("DeleteSnapshot of an unknown id", ch -> MutatingCalls.snapshots(ch).deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId("s-nosuch").build()),
                    Status.Code.NOT_FOUND, "no snapshot s-nosuch", ResourceInfo.class),
            new Case("ListAuditEntries with a negative limit", ch -> AuditGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .listAuditEntries(ListAuditEntriesRequest.newBuilder().setLimit(-1).build()),
                    Status.Code.INVALID_ARGUMENT, "limit", BadRequest.class));

    @Test
    void everyBadRequestGetsItsCodeAMessageAndADetailAndChangesNothing() {
        String before = MutualTlsTest.state(channel);
        for (Case c : CASES) {
            StatusRuntimeException e = MutualTlsTest.failure(c.call(), channel);
            assertThat(e.getStatus().getCode()).as(c.name() + ": " + e.getStatus()).isEqualTo(c.code());
            assertThat(e.getStatus().getDescription()).as(c.name()).contains(c.message());
            com.google.rpc.Status detailed = StatusProto.fromThrowable(e);
            assertThat(detailed).as(c.name() + ": a google.rpc.Status").isNotNull();
            assertThat(detailed.getDetailsList()).as(c.name()).anySatisfy(any -> assertThat(any.is(c.detail())).isTrue());
            if (c.detail() == BadRequest.class) {
                BadRequest.FieldViolation violation = unpack(detailed, BadRequest.class).getFieldViolations(0);
                assertThat(violation.getField()).as(c.name() + ": the field is named").isNotBlank();
                assertThat(violation.getField() + ": " + violation.getDescription()).as(c.name()).contains(c.message());
            }
        }
        assertThat(MutualTlsTest.state(channel)).as("no upgrade or snapshot appeared").isEqualTo(before);
    }

    @Test
    void twoUpgradesAtOnceOneRunsTheOtherIsToldItsIdAndARepeatedRequestGetsTheFirst() throws Exception {
        try (SleepingTree tree = SleepingTree.start()) {
            // A kernel that is not a bzImage: preflight fails after its CRIU dry run; nothing is parked.
            UpgradeSpec spec = UpgradeSpec.newBuilder().addWorkloads(Workload.newBuilder().setPid((int) tree.rootPid))
                    .setSwitchMethod(SwitchMethod.SWITCH_METHOD_KEXEC)
                    .setTarget(TargetKernel.newBuilder().setKernelPath("/etc/hostname").setInitrdPath("/etc/hostname")).build();
            ExecutorService pool = Executors.newFixedThreadPool(2);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Object>> results = List.of("concurrent-a", "concurrent-b").stream().map(id -> pool.submit(() -> {
                go.await();
                try {
                    return (Object) MutatingCalls.upgrades(channel).startUpgrade(StartUpgradeRequest.newBuilder().setRequestId(id).setSpec(spec).build());
                } catch (StatusRuntimeException e) {
                    return e;
                }
            })).toList();
            go.countDown();
            List<Object> outcomes = List.of(results.get(0).get(60, TimeUnit.SECONDS), results.get(1).get(60, TimeUnit.SECONDS));
            pool.shutdown();

            List<Upgrade> started = outcomes.stream().filter(o -> o instanceof Upgrade).map(o -> (Upgrade) o).toList();
            List<StatusRuntimeException> refused = outcomes.stream().filter(o -> o instanceof StatusRuntimeException).map(o -> (StatusRuntimeException) o).toList();
            assertThat(started).as("exactly one runs: " + outcomes).hasSize(1);
            assertThat(refused).hasSize(1);
            String running = started.get(0).getId();
            StatusRuntimeException other = refused.get(0);
            assertThat(other.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
            assertThat(other.getStatus().getDescription()).contains(running);
            assertThat(unpack(StatusProto.fromThrowable(other), ResourceInfo.class).getResourceName()).isEqualTo(running);

            Upgrade again = MutatingCalls.upgrades(channel).startUpgrade(StartUpgradeRequest.newBuilder()
                    .setRequestId(started.get(0).getRequestId()).setSpec(spec).build());
            assertThat(again.getId()).as("a repeated request id returns the first result").isEqualTo(running);

            Upgrade last = MutualTlsTest.awaitFinal(channel, running);
            assertThat(last.getState()).isEqualTo(UpgradeState.ABORTED);
            assertThat(last.getReason()).contains("kernel-image");
            assertThat(ProcessHandle.of(tree.rootPid)).as("the workload runs on").isPresent();

            // A finished upgrade cannot be cancelled: FAILED_PRECONDITION naming its state.
            StatusRuntimeException cancel = MutualTlsTest.failure(ch -> MutatingCalls.upgrades(ch).cancelUpgrade(
                    CancelUpgradeRequest.newBuilder().setUpgradeId(running).build()), channel);
            assertThat(cancel.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(cancel.getStatus().getDescription()).contains("already aborted");
            PreconditionFailure.Violation violation = unpack(StatusProto.fromThrowable(cancel), PreconditionFailure.class).getViolations(0);
            assertThat(violation.getType()).isEqualTo("STATE");
            assertThat(violation.getSubject()).isEqualTo("upgrade/" + running);
        }
    }

    static <T extends com.google.protobuf.Message> T unpack(com.google.rpc.Status status, Class<T> type) {
        for (Any any : status.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return any.unpack(type);
                } catch (InvalidProtocolBufferException e) {
                    throw new AssertionError(e);
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + status);
    }
}
