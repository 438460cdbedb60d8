package dev.molt.criu.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.criu.Criu;
import dev.molt.criu.CriuBinary;
import dev.molt.criu.CriuClient;
import dev.molt.criu.testing.NftTables;
import dev.molt.criu.testing.Poll;
import dev.molt.criu.testing.TestTree;
import dev.molt.criu.testing.Workloads;
import dev.molt.criu.v1.BootRestorePlan;
import dev.molt.criu.v1.CheckRequest;
import dev.molt.criu.v1.CheckResponse;
import dev.molt.criu.v1.CriuAdapterGrpc;
import dev.molt.criu.v1.DeleteSnapshotRequest;
import dev.molt.criu.v1.DumpProgress;
import dev.molt.criu.v1.DumpRequest;
import dev.molt.criu.v1.ListSnapshotsRequest;
import dev.molt.criu.v1.ListSnapshotsResponse;
import dev.molt.criu.v1.PersistSpooledRequest;
import dev.molt.criu.v1.PlanBootRestoreRequest;
import dev.molt.criu.v1.RestoreProgress;
import dev.molt.criu.v1.RestoreRequest;
import dev.molt.criu.v1.SnapshotInfo;
import dev.molt.criu.v1.VerifySnapshotRequest;
import dev.molt.criu.v1.VerifySnapshotResponse;
import dev.molt.snapshot.SnapshotWriter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The adapter's gRPC API, in-process with directExecutor(), over the real CRIU. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CriuAdapterServiceTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private FakeSnapshotStore store;
    private Path staging;
    private AdapterServer server;
    private AdapterChannel channel;
    private CriuAdapterGrpc.CriuAdapterBlockingStub stub;
    private final List<TestTree> trees = new ArrayList<>();

    @BeforeEach
    void startService() throws IOException {
        store = new FakeSnapshotStore(dir.resolve("store"));
        staging = dir.resolve("staging");
        String name = "criu-adapter-" + UUID.randomUUID();
        server = AdapterServer.inProcess(name, new CriuAdapterService(realCriu(), store, staging));
        channel = AdapterChannel.inProcess(name);
        stub = channel.blockingStub(DEADLINE);
    }

    @AfterEach
    void stopEverything() throws Exception {
        channel.close();
        server.close();
        for (TestTree tree : trees) {
            tree.close();
        }
        // A dump that ended its tree leaves CRIU's lock table until a restore; remove those left.
        store.breakWith(null);
        for (var manifest : store.list()) {
            String table = manifest.labels().get("network_lock_table");
            if (table != null) {
                NftTables.deleteIfPresent(table);
            }
        }
    }

    static Criu realCriu() {
        try {
            return new Criu(new CriuClient(CriuBinary.locate()));
        } catch (Exception e) {
            throw new AssertionError("these tests need CRIU 4.2.1: " + e.getMessage(), e);
        }
    }

    // ---- Check

    @Test
    void check_reports_the_installed_criu_and_a_usable_kernel() {
        CheckResponse answer = stub.check(CheckRequest.newBuilder().setFull(true).build());

        assertThat(answer.getCriuVersion()).isEqualTo("4.2.1");
        assertThat(answer.getCriuVersionCode()).isEqualTo(40201);
        assertThat(answer.getCriuPath()).endsWith("criu");
        assertThat(answer.getKernelOk()).as(answer.getKernelProblems()).isTrue();
        assertThat(answer.getFeaturesList()).doesNotContain("mem_track"); // no soft-dirty here
    }

    @Test
    void check_error_when_criu_cannot_be_started_is_UNAVAILABLE() throws IOException {
        Criu missing = new Criu(new CriuClient(new CriuBinary(dir.resolve("no-such-criu"))));
        String name = "missing-criu-" + UUID.randomUUID();
        try (AdapterServer _ = AdapterServer.inProcess(name, new CriuAdapterService(missing, store, staging));
                AdapterChannel otherChannel = AdapterChannel.inProcess(name)) {
            assertStatus(() -> otherChannel.blockingStub(DEADLINE).check(CheckRequest.getDefaultInstance()),
                    Status.Code.UNAVAILABLE, "no-such-criu");
        }
    }

    // ---- Dump

    @Test
    void dump_streams_its_phases_and_commits_a_snapshot_with_the_tree_pids_and_labels() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        Poll.until(WAIT, "the counter to start", () -> Workloads.counter(dir) >= 1);

        List<DumpProgress> progress = dump(DumpRequest.newBuilder()
                .setPid(tree.rootPid())
                .setSnapshotId("counter-1")
                .putLabels("workload", "counter")
                .build());

        assertThat(progress).extracting(DumpProgress::getPhase).startsWith("dumping", "persisting").endsWith("committed");
        DumpProgress last = progress.getLast();
        SnapshotInfo snapshot = last.getSnapshot();
        assertThat(snapshot.getId()).isEqualTo("counter-1");
        assertThat(snapshot.getRootPid()).isEqualTo(tree.rootPid());
        assertThat(snapshot.getPidsList()).startsWith(tree.rootPid()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(snapshot.getLabelsMap()).containsEntry("workload", "counter")
                .containsKey("network_lock_table").doesNotContainKeys("root_pid", "pids", "tcp");
        assertThat(snapshot.getLabelsMap().get("network_lock_table")).startsWith("inet CRIU-");
        assertThat(snapshot.getFiles()).isPositive();
        assertThat(last.getBytesDone()).isEqualTo(last.getBytesTotal()).isEqualTo(snapshot.getImageBytes()).isPositive();
        assertThat(store.manifest("counter-1")).isPresent();
        assertThat(stagingEntries()).as("staging is cleaned up").isEmpty();
        Poll.until(WAIT, "the dumped tree to be gone", () -> !TestTree.alive(tree.rootPid()));
        System.out.printf("service dump: criu %d ms, persist %d ms, %d bytes in %d files%n", last.getCriuMillis(),
                last.getPersistMillis(), snapshot.getImageBytes(), snapshot.getFiles());
    }

    @Test
    void dump_with_leave_running_and_no_snapshot_id_is_a_dry_check() throws Exception {
        TestTree tree = start(Workloads.COUNTER);

        List<DumpProgress> progress = dump(DumpRequest.newBuilder().setPid(tree.rootPid()).setLeaveRunning(true).build());

        assertThat(progress).extracting(DumpProgress::getPhase).containsExactly("dumping", "checked");
        assertThat(progress.getLast().getBytesTotal()).isPositive();
        assertThat(store.list()).isEmpty();
        assertThat(TestTree.alive(tree.rootPid())).isTrue();
    }

    @Test
    void dump_error_without_a_pid_is_INVALID_ARGUMENT_naming_the_field() {
        assertStatus(() -> dump(DumpRequest.newBuilder().setSnapshotId("x").build()), Status.Code.INVALID_ARGUMENT, "pid");
    }

    @Test
    void dump_error_without_snapshot_id_and_without_leave_running_is_INVALID_ARGUMENT() {
        assertStatus(() -> dump(DumpRequest.newBuilder().setPid(1).build()), Status.Code.INVALID_ARGUMENT, "snapshot_id");
    }

    @Test
    void dump_error_with_a_reserved_label_is_INVALID_ARGUMENT() {
        assertStatus(() -> dump(DumpRequest.newBuilder().setPid(1).setSnapshotId("x").putLabels("pids", "1").build()),
                Status.Code.INVALID_ARGUMENT, "labels");
    }

    @Test
    void dump_error_with_a_freeze_cgroup_that_is_no_cgroup_is_INVALID_ARGUMENT() {
        assertStatus(() -> dump(DumpRequest.newBuilder().setPid(1).setSnapshotId("x")
                        .setFreezeCgroup(dir.toString()).build()),
                Status.Code.INVALID_ARGUMENT, "freeze_cgroup");
    }

    @Test
    void dump_error_for_a_pid_that_does_not_exist_is_NOT_FOUND() {
        assertStatus(() -> dump(DumpRequest.newBuilder().setPid(Integer.MAX_VALUE).setSnapshotId("x").build()),
                Status.Code.NOT_FOUND, Integer.toString(Integer.MAX_VALUE));
    }

    @Test
    void dump_error_for_a_snapshot_id_in_use_is_ALREADY_EXISTS() throws Exception {
        commitSnapshot("taken");
        TestTree tree = start(Workloads.COUNTER);

        assertStatus(() -> dump(DumpRequest.newBuilder().setPid(tree.rootPid()).setSnapshotId("taken").build()),
                Status.Code.ALREADY_EXISTS, "taken");
        assertThat(TestTree.alive(tree.rootPid())).isTrue();
    }

    @Test
    void dump_error_when_criu_refuses_the_tree_is_FAILED_PRECONDITION_with_criu_log_and_the_tree_runs_on()
            throws Exception {
        // Session leader outside the tree's pid namespace: CRIU refuses.
        TestTree tree = TestTree.startCommand(dir, List.of("unshare", "--pid", "--fork", "sleep", "1000"));
        trees.add(tree);

        assertStatus(() -> dump(DumpRequest.newBuilder().setPid(tree.rootPid()).setSnapshotId("refused").build()),
                Status.Code.FAILED_PRECONDITION, "session leader");
        assertThat(TestTree.alive(tree.rootPid())).isTrue();
        assertThat(store.list()).isEmpty();
        assertThat(stagingEntries()).isEmpty();
    }

    // ---- Restore

    @Test
    void restore_streams_its_phases_and_the_tree_runs_again_with_its_namespace_pids() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        Poll.until(WAIT, "the counter to start", () -> Workloads.counter(dir) >= 1);
        dump(DumpRequest.newBuilder().setPid(tree.rootPid()).setSnapshotId("round-trip").build());
        Poll.until(WAIT, "the dumped tree to be gone", () -> !TestTree.alive(tree.rootPid()));
        long atDump = Workloads.counter(dir);

        List<RestoreProgress> progress = restore(RestoreRequest.newBuilder()
                .setSnapshotId("round-trip")
                .addExpectedPids(tree.rootPid())
                .build());
        int pid = progress.getLast().getPid();
        tree.restoredAs(pid);

        assertThat(progress).extracting(RestoreProgress::getPhase).startsWith("staging").endsWith("restoring", "restored");
        assertThat(TestTree.alive(pid)).isTrue();
        assertThat(TestTree.innerPid(pid)).isEqualTo(1);
        Poll.until(WAIT, "the counter to pass " + (atDump + 2), () -> Workloads.counter(dir) > atDump + 2);
        assertThat(stagingEntries()).isEmpty();
        System.out.printf("service restore: verify+stage %d ms, criu %d ms%n",
                progress.getLast().getVerifyMillis(), progress.getLast().getCriuMillis());
    }

    @Test
    void restore_error_for_an_unknown_snapshot_is_NOT_FOUND() {
        assertStatus(() -> restore(RestoreRequest.newBuilder().setSnapshotId("nope").build()), Status.Code.NOT_FOUND, "nope");
    }

    @Test
    void restore_error_without_snapshot_id_is_INVALID_ARGUMENT() {
        assertStatus(() -> restore(RestoreRequest.getDefaultInstance()), Status.Code.INVALID_ARGUMENT, "snapshot_id");
    }

    @Test
    void restore_error_when_an_expected_pid_is_taken_is_FAILED_PRECONDITION_naming_it() throws Exception {
        commitSnapshot("s");
        int taken = (int) ProcessHandle.current().pid();

        assertStatus(() -> restore(RestoreRequest.newBuilder().setSnapshotId("s").addExpectedPids(taken).build()),
                Status.Code.FAILED_PRECONDITION, "pid " + taken + " is taken");
    }

    @Test
    void restore_error_for_a_corrupt_snapshot_is_DATA_LOSS_and_nothing_reaches_criu() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        dump(DumpRequest.newBuilder().setPid(tree.rootPid()).setSnapshotId("to-corrupt").build());
        store.corrupt("to-corrupt", "pstree.img");

        assertStatus(() -> restore(RestoreRequest.newBuilder().setSnapshotId("to-corrupt").build()),
                Status.Code.DATA_LOSS, "pstree.img");
        assertThat(stagingEntries()).isEmpty();
    }

    // ---- The spool: snapshots as image files, restorable without the adapter

    @Test
    void dump_with_spool_keeps_the_images_as_files_and_restore_runs_the_tree_from_them() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        Poll.until(WAIT, "the counter to start", () -> Workloads.counter(dir) >= 1);

        List<DumpProgress> progress = dump(DumpRequest.newBuilder()
                .setPid(tree.rootPid()).setSnapshotId("spooled-1").setSpool(true).build());
        Poll.until(WAIT, "the dumped tree to be gone", () -> !TestTree.alive(tree.rootPid()));
        long atDump = Workloads.counter(dir);

        assertThat(progress).extracting(DumpProgress::getPhase).startsWith("dumping").endsWith("spooled");
        assertThat(progress.getLast().getSnapshot().getSpooled()).isTrue();
        assertThat(progress.getLast().getImagesDir()).startsWith(staging.resolve("spool").toString());
        assertThat(store.list()).as("nothing in the store yet").isEmpty();
        assertThat(stub.listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getSnapshotsList())
                .singleElement().satisfies(s -> {
                    assertThat(s.getId()).isEqualTo("spooled-1");
                    assertThat(s.getSpooled()).isTrue();
                    assertThat(s.getRootPid()).isEqualTo(tree.rootPid());
                });
        assertThat(stub.verifySnapshot(VerifySnapshotRequest.newBuilder().setSnapshotId("spooled-1").build()).getOk()).isTrue();

        List<RestoreProgress> restored = restore(RestoreRequest.newBuilder().setSnapshotId("spooled-1").build());
        tree.restoredAs(restored.getLast().getPid());

        assertThat(TestTree.alive(restored.getLast().getPid())).isTrue();
        Poll.until(WAIT, "the counter to pass " + (atDump + 2), () -> Workloads.counter(dir) > atDump + 2);
    }

    @Test
    void persist_spooled_moves_the_snapshot_into_the_store() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        dump(DumpRequest.newBuilder().setPid(tree.rootPid()).setSnapshotId("spooled-2").setSpool(true)
                .setLeaveRunning(true).putLabels("workload", "counter").build());

        SnapshotInfo info = stub.persistSpooled(PersistSpooledRequest.newBuilder().setSnapshotId("spooled-2").build());

        assertThat(info.getSpooled()).isFalse();
        assertThat(info.getLabelsMap()).containsEntry("workload", "counter");
        assertThat(store.manifest("spooled-2")).isPresent();
        assertThat(stub.listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getSnapshotsList())
                .singleElement().satisfies(s -> assertThat(s.getSpooled()).isFalse());
        assertStatus(() -> stub.persistSpooled(PersistSpooledRequest.newBuilder().setSnapshotId("spooled-2").build()),
                Status.Code.NOT_FOUND, "in the store already");
    }

    @Test
    void restore_error_for_a_spooled_snapshot_whose_file_changed_is_DATA_LOSS_and_nothing_reaches_criu() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        DumpProgress last = dump(DumpRequest.newBuilder().setPid(tree.rootPid()).setSnapshotId("spooled-3")
                .setSpool(true).setLeaveRunning(true).build()).getLast();
        Files.write(Path.of(last.getImagesDir()).resolve("pstree.img"), new byte[] {1, 2, 3});

        assertStatus(() -> restore(RestoreRequest.newBuilder().setSnapshotId("spooled-3").build()),
                Status.Code.DATA_LOSS, "pstree.img");
        assertThat(TestTree.alive(tree.rootPid())).as("the original runs on").isTrue();
    }

    /** What a boot hook does after a kexec: check the checksums, run CRIU's command line. Here on a real tree. */
    @Test
    void a_boot_restore_plan_restores_the_tree_with_criu_alone() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        Poll.until(WAIT, "the counter to start", () -> Workloads.counter(dir) >= 1);
        dump(DumpRequest.newBuilder().setPid(tree.rootPid()).setSnapshotId("spooled-4").setSpool(true).build());
        Poll.until(WAIT, "the dumped tree to be gone", () -> !TestTree.alive(tree.rootPid()));
        long atDump = Workloads.counter(dir);

        BootRestorePlan plan = stub.planBootRestore(PlanBootRestoreRequest.newBuilder().setSnapshotId("spooled-4").build());

        assertThat(plan.getArgvList()).contains("restore", "--restore-detached", "--pidfile", plan.getPidfile());
        assertThat(Path.of(plan.getWorkDir())).isDirectory();
        assertThat(run(Path.of(plan.getImagesDir()), List.of("sha256sum", "-c", "--quiet", plan.getChecksumsFile()))).isZero();
        assertThat(run(Path.of(plan.getWorkDir()), plan.getArgvList())).as("criu restore, log " + plan.getLogFile()).isZero();
        int pid = Integer.parseInt(Files.readString(Path.of(plan.getPidfile())).strip());
        tree.restoredAs(pid);
        assertThat(TestTree.alive(pid)).isTrue();
        Poll.until(WAIT, "the counter to pass " + (atDump + 2), () -> Workloads.counter(dir) > atDump + 2);
    }

    @Test
    void plan_boot_restore_error_for_a_snapshot_not_spooled_is_NOT_FOUND() throws Exception {
        commitSnapshot("stored");
        assertStatus(() -> stub.planBootRestore(PlanBootRestoreRequest.newBuilder().setSnapshotId("stored").build()),
                Status.Code.NOT_FOUND, "in the store already");
        assertStatus(() -> stub.planBootRestore(PlanBootRestoreRequest.getDefaultInstance()),
                Status.Code.INVALID_ARGUMENT, "snapshot_id");
    }

    @Test
    void dump_error_with_spool_but_no_snapshot_id_is_INVALID_ARGUMENT() {
        assertStatus(() -> dump(DumpRequest.newBuilder().setPid(1).setLeaveRunning(true).setSpool(true).build()),
                Status.Code.INVALID_ARGUMENT, "spool");
    }

    // ---- ListSnapshots, VerifySnapshot, DeleteSnapshot

    @Test
    void list_snapshots_returns_them_newest_first() throws Exception {
        commitSnapshot("older");
        commitSnapshot("newer");

        ListSnapshotsResponse answer = stub.listSnapshots(ListSnapshotsRequest.getDefaultInstance());

        assertThat(answer.getSnapshotsList()).extracting(SnapshotInfo::getId).containsExactly("newer", "older");
        assertThat(answer.getSnapshots(0).getRootPid()).isEqualTo(42);
        assertThat(answer.getSnapshots(0).getPidsList()).containsExactly(42, 43);
    }

    @Test
    void list_snapshots_error_when_the_store_fails_is_INTERNAL() {
        store.breakWith(new IllegalStateException("the store's disk is gone"));

        assertStatus(() -> stub.listSnapshots(ListSnapshotsRequest.getDefaultInstance()),
                Status.Code.INTERNAL, "the store's disk is gone");
    }

    @Test
    void verify_snapshot_reports_a_good_and_a_corrupt_snapshot_as_results() throws Exception {
        commitSnapshot("good");
        commitSnapshot("bad");
        store.corrupt("bad", "pages-1.img");

        VerifySnapshotResponse good = stub.verifySnapshot(VerifySnapshotRequest.newBuilder().setSnapshotId("good").build());
        VerifySnapshotResponse bad = stub.verifySnapshot(VerifySnapshotRequest.newBuilder().setSnapshotId("bad").build());

        assertThat(good.getOk()).isTrue();
        assertThat(good.getBytesChecked()).isPositive();
        assertThat(bad.getOk()).isFalse();
        assertThat(bad.getProblemsList()).singleElement().asString().contains("pages-1.img");
    }

    @Test
    void verify_snapshot_error_for_an_unknown_snapshot_is_NOT_FOUND() {
        assertStatus(() -> stub.verifySnapshot(VerifySnapshotRequest.newBuilder().setSnapshotId("nope").build()),
                Status.Code.NOT_FOUND, "nope");
    }

    @Test
    void delete_snapshot_removes_it() throws Exception {
        commitSnapshot("doomed");

        stub.deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId("doomed").build());

        assertThat(store.manifest("doomed")).isEmpty();
        assertThat(stub.listSnapshots(ListSnapshotsRequest.getDefaultInstance()).getSnapshotsList()).isEmpty();
    }

    @Test
    void delete_snapshot_error_for_an_unknown_snapshot_is_NOT_FOUND() {
        assertStatus(() -> stub.deleteSnapshot(DeleteSnapshotRequest.newBuilder().setSnapshotId("nope").build()),
                Status.Code.NOT_FOUND, "nope");
    }

    // ---- helpers

    private TestTree start(String script) throws Exception {
        TestTree tree = TestTree.start(dir, script);
        trees.add(tree);
        return tree;
    }

    private static int run(Path cwd, List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", argv)).isTrue();
        if (p.exitValue() != 0) {
            System.out.println(String.join(" ", argv) + " exited " + p.exitValue() + ": " + out);
        }
        return p.exitValue();
    }

    private List<DumpProgress> dump(DumpRequest request) {
        List<DumpProgress> all = new ArrayList<>();
        stub.dump(request).forEachRemaining(all::add);
        return all;
    }

    private List<RestoreProgress> restore(RestoreRequest request) {
        List<RestoreProgress> all = new ArrayList<>();
        stub.restore(request).forEachRemaining(all::add);
        return all;
    }

    /** A small snapshot written straight into the store, as a dump would leave it. */
    private void commitSnapshot(String id) throws IOException {
        try (SnapshotWriter writer = store.begin(id, Map.of("root_pid", "42", "pids", "42,43", "tcp", "refuse"))) {
            for (String name : List.of("pstree.img", "pages-1.img")) {
                writer.addFile(name, 0600, new ByteArrayInputStream((name + " bytes of " + id).getBytes(StandardCharsets.UTF_8)));
            }
            writer.commit();
        }
    }

    private List<Path> stagingEntries() throws IOException {
        if (!Files.exists(staging)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(staging)) {
            return entries.toList();
        }
    }

    private static void assertStatus(ThrowingCallable call, Status.Code code, String inDescription) {
        assertThatThrownBy(call)
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).as(e.getStatus().toString()).isEqualTo(code);
                    assertThat(e.getStatus().getDescription()).isNotBlank().contains(inDescription);
                });
    }
}
