package dev.molt.criu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.molt.criu.testing.NftTables;
import dev.molt.criu.testing.Poll;
import dev.molt.criu.testing.TestCgroup;
import dev.molt.criu.testing.TestTree;
import dev.molt.criu.testing.Workloads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Dump and restore of real process trees through {@link Criu}, with the real CRIU 4.2.1. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CriuDumpRestoreTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final Criu criu = new Criu(new CriuClient(CriuClientTest.requireCriu()));
    private final List<AutoCloseable> cleanup = new CopyOnWriteArrayList<>();
    private Path images;
    private Path dumpWork;
    private Path restoreWork;

    @BeforeEach
    void directories() throws IOException {
        images = Files.createDirectory(dir.resolve("images"));
        dumpWork = Files.createDirectory(dir.resolve("dump-work"));
        restoreWork = Files.createDirectory(dir.resolve("restore-work"));
    }

    @AfterEach
    void endEverythingStarted() throws Exception {
        // Trees first (SIGKILL to each namespace's init), then the cgroups they were in.
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    private TestTree start(String script) throws Exception {
        TestTree tree = TestTree.start(dir, script);
        cleanup.add(tree);
        return tree;
    }

    @Test
    void a_dumped_tree_is_restored_with_its_namespace_pids_and_goes_on_counting() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        Poll.until(WAIT, "the counter to reach 3", () -> Workloads.counter(dir) >= 3);
        int sleeper = sleeperOf(tree.rootPid());
        assertThat(List.of(TestTree.innerPid(tree.rootPid()), TestTree.innerPid(sleeper))).containsExactly(1, 2);
        List<NotifyScript> restoreNotifications = new CopyOnWriteArrayList<>();

        long t0 = System.nanoTime();
        criu.dump(DumpSpec.of(tree.rootPid(), images, dumpWork));
        long t1 = System.nanoTime();
        Poll.until(WAIT, "the dumped tree to be gone", () -> !TestTree.alive(tree.rootPid()));
        long atDump = Workloads.counter(dir);
        long t2 = System.nanoTime();
        int restored = criu.restore(RestoreSpec.of(images, restoreWork)
                .withNotify(n -> restoreNotifications.add(n.script())));
        long t3 = System.nanoTime();
        tree.restoredAs(restored);
        System.out.printf("counter tree: dump %.1f ms, restore %.1f ms%n", (t1 - t0) / 1e6, (t3 - t2) / 1e6);

        assertThat(TestTree.alive(restored)).isTrue();
        assertThat(ProcessTable.stat(restored).orElseThrow().ppid())
                .as("the restored root is re-parented away from this JVM")
                .isNotEqualTo((int) ProcessHandle.current().pid());
        assertThat(TestTree.innerPid(restored)).isEqualTo(1);
        assertThat(TestTree.innerPid(sleeperOf(restored))).isEqualTo(2);
        assertThat(Workloads.counter(dir)).as("the counter goes on from where it was").isGreaterThanOrEqualTo(atDump);
        Poll.until(WAIT, "the counter to pass " + (atDump + 3), () -> Workloads.counter(dir) > atDump + 3);
        assertThat(restoreNotifications).containsSubsequence(
                NotifyScript.PRE_RESTORE, NotifyScript.POST_RESTORE, NotifyScript.PRE_RESUME, NotifyScript.POST_RESUME);
    }

    @Test
    void notifications_arrive_in_order_during_a_dump() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        List<Notification> seen = new CopyOnWriteArrayList<>();

        criu.dump(DumpSpec.of(tree.rootPid(), images, dumpWork).withLeaveRunning(true).withNotify(seen::add));

        assertThat(seen).extracting(Notification::script).containsSubsequence(NotifyScript.PRE_DUMP, NotifyScript.POST_DUMP);
        assertThat(TestTree.alive(tree.rootPid())).as("leave_running keeps the tree").isTrue();
    }

    @Test
    void a_failing_notification_handler_fails_the_dump_and_criu_resumes_the_tree() throws Exception {
        TestTree tree = start(Workloads.COUNTER);
        NotifyHandler refuse = NotifyHandler.builder()
                .on(NotifyScript.POST_DUMP, n -> {
                    throw new IllegalStateException("the coordinator refuses to go on");
                })
                .build();

        assertThatThrownBy(() -> criu.dump(DumpSpec.of(tree.rootPid(), images, dumpWork).withNotify(refuse)))
                .isInstanceOf(CriuException.Failed.class)
                .hasCauseInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the coordinator refuses to go on");

        assertThat(TestTree.alive(tree.rootPid())).as("the tree CRIU was to kill runs on").isTrue();
        long after = Workloads.counter(dir);
        Poll.until(WAIT, "the counter to pass " + (after + 2), () -> Workloads.counter(dir) > after + 2);
        CriuClientTest.assertNoCriuChildLeft();
    }

    @Test
    void an_established_tcp_connection_survives_dump_and_restore_without_a_reset() throws Exception {
        Path server = Workloads.tcpServer(dir);
        TestTree tree = start(server + " " + dir.resolve("port") + " & wait");
        int port = Workloads.port(dir.resolve("port"));
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            client.setSoTimeout((int) WAIT.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = client.getOutputStream();
            assertThat(ask(in, out, "before")).isEqualTo("before 1");

            long t0 = System.nanoTime();
            DumpResult dumped = criu.dump(DumpSpec.of(tree.rootPid(), images, dumpWork).withTcpEstablished(true));
            long t1 = System.nanoTime();
            String lockTable = dumped.networkLockTable().orElseThrow();
            cleanup.add(() -> NftTables.deleteIfPresent(lockTable));
            assertThat(NftTables.exists(lockTable)).as("CRIU keeps %s until the restore", lockTable).isTrue();
            Poll.until(WAIT, "the dumped tree to be gone", () -> !TestTree.alive(tree.rootPid()));
            long t2 = System.nanoTime();
            int restored = criu.restore(RestoreSpec.of(images, restoreWork).withTcpEstablished(true));
            long t3 = System.nanoTime();
            tree.restoredAs(restored);
            System.out.printf("tcp tree: dump %.1f ms, restore %.1f ms%n", (t1 - t0) / 1e6, (t3 - t2) / 1e6);

            // The same socket: the restored server answers, and its count went on (state kept).
            assertThat(ask(in, out, "after")).isEqualTo("after 2");
            assertThat(ask(in, out, "again")).isEqualTo("again 3");
            assertThat(NftTables.exists(lockTable)).as("the restore removed %s", lockTable).isFalse();
        }
    }

    @Test
    void without_tcp_established_a_tree_holding_a_connection_is_refused_and_keeps_running() throws Exception {
        Path server = Workloads.tcpServer(dir);
        TestTree tree = start(server + " " + dir.resolve("port") + " & wait");
        int port = Workloads.port(dir.resolve("port"));
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            client.setSoTimeout((int) WAIT.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = client.getOutputStream();
            assertThat(ask(in, out, "before")).isEqualTo("before 1");

            assertThatThrownBy(() -> criu.dump(DumpSpec.of(tree.rootPid(), images, dumpWork)))
                    .isInstanceOf(CriuException.Failed.class)
                    .hasMessageContaining("Connected TCP socket")
                    .hasMessageContaining("tcp-established");

            assertThat(TestTree.alive(tree.rootPid())).isTrue();
            assertThat(ask(in, out, "after")).isEqualTo("after 2");
        }
    }

    @Test
    void a_tree_in_a_frozen_cgroup_v2_is_dumped_with_freeze_cgroup_and_restored_into_that_cgroup_thawed()
            throws Exception {
        TestCgroup cgroup = TestCgroup.create();
        cleanup.add(cgroup);
        TestTree tree = start(Workloads.COUNTER);
        Poll.until(WAIT, "the counter to start", () -> Workloads.counter(dir) >= 1);
        cgroup.add(ProcessTable.read().tree(tree.rootPid()));
        cgroup.freeze();
        long frozenAt = Workloads.counter(dir);

        criu.dump(DumpSpec.of(tree.rootPid(), images, dumpWork).withFreezeCgroup(cgroup.path()));
        Poll.until(WAIT, "the dumped tree to be gone", () -> !TestTree.alive(tree.rootPid()));
        int restored = criu.restore(RestoreSpec.of(images, restoreWork));
        tree.restoredAs(restored);

        assertThat(TestCgroup.cgroupOf(restored)).isEqualTo("/" + cgroup.path().getFileName());
        assertThat(cgroup.frozen()).isFalse();
        Poll.until(WAIT, "the counter to pass " + (frozenAt + 2), () -> Workloads.counter(dir) > frozenAt + 2);
    }

    /** The namespace's long sleep (pid 2 inside it). */
    private static int sleeperOf(int root) throws Exception {
        return Poll.forValue(WAIT, "the sleep child of " + root, () -> ProcessTable.read().children(root).stream()
                .map(ProcessTable.Proc::pid)
                .filter(pid -> cmdline(pid).contains("100000"))
                .findFirst());
    }

    private static String cmdline(int pid) {
        try {
            return ProcessTable.readProcFile(Path.of("/proc", Integer.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private static String ask(BufferedReader in, OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
        String answer = in.readLine();
        if (answer == null) {
            throw new AssertionError("the server closed the connection instead of answering '" + line + "'");
        }
        return answer;
    }
}
