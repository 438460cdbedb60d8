package dev.molt.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.molt.criu.Criu;
import dev.molt.criu.CriuBinary;
import dev.molt.criu.CriuClient;
import dev.molt.criu.service.AdapterChannel;
import dev.molt.criu.service.AdapterServer;
import dev.molt.criu.service.CriuAdapterService;
import dev.molt.criu.v1.BootRestorePlan;
import dev.molt.criu.v1.CriuAdapterGrpc;
import dev.molt.criu.v1.DumpProgress;
import dev.molt.criu.v1.DumpRequest;
import dev.molt.criu.v1.PlanBootRestoreRequest;
import dev.molt.criu.v1.TcpMode;
import dev.molt.netlock.BootGuard;
import dev.molt.netlock.NetworkLock;
import dev.molt.netlock.TcpSockets;
import dev.molt.store.MoltStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restore after a kexec, as the next boot's hook (bin/molt-boot-guard restore) does it before
 * any JVM runs: checksums, CRIU's command line planned by the adapter, the lock lifted. Here on
 * this host, on a real workload with an established TCP connection, with CRIU ending the dumped
 * tree in place of the switch (nothing kexecs here). The QEMU guest test runs the same hook after
 * a real kexec.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BootRestoreHookTest {
    @TempDir
    Path dir;

    private MoltStore store;
    private AdapterServer server;
    private AdapterChannel channel;
    private CriuAdapterGrpc.CriuAdapterBlockingStub adapter;
    private TestWorkload workload;
    private final NetworkLock lock = new NetworkLock();
    private final String table = "molt-hook-" + UUID.randomUUID().toString().substring(0, 8);
    private BootGuard guard;

    @BeforeEach
    void start() throws Exception {
        store = MoltStore.open(dir.resolve("store"));
        String name = "hook-" + UUID.randomUUID();
        server = AdapterServer.inProcess(name, new CriuAdapterService(
                new Criu(new CriuClient(new CriuBinary(Tools.criu()))), store.snapshots(), dir.resolve("staging")));
        channel = AdapterChannel.inProcess(name);
        adapter = channel.blockingStub(Duration.ofMinutes(2));
        guard = new BootGuard(dir.resolve("restore/pending"), Tools.repoRoot().resolve("bin/molt-boot-guard"));
        workload = TestWorkload.start(dir, 8);
        workload.connect();
        assertThat(workload.ask("before")).endsWith("before");
    }

    @AfterEach
    void stop() throws Exception {
        workload.close();
        lock.unlock(table);
        channel.close();
        server.close();
        store.close();
    }

    @Test
    void theBootHookRestoresTheWorkloadItsConnectionAnswersAndTheLockIsGone() throws Exception {
        List<Long> pids = workload.pids();
        BootGuard.BootRestore plan = parkDumpAndPlan("u-hook-1", pids);

        HookRun run = runHook();

        assertThat(run.exit()).as(run.output()).isZero();
        BootGuard.BootRestoreResult result = guard.bootRestoreResult("u-hook-1", bootId()).orElseThrow();
        assertThat(result.allOk()).as(Files.readString(guard.resultFile())).isTrue();
        long pid = result.workloads().getFirst().pid();
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).contains(true);
        assertThat(result.millis()).containsKeys("START_MS", "W0_CHECKED_MS", "RESTORED_MS", "UNPARKED_MS");
        assertThat(workload.pidsInNamespace()).as("the tree's own pids").isNotEmpty();
        assertThat(workload.ask("after")).as("the same connection, answered by the restored tree").endsWith("after");
        assertThat(nftHasTable()).as("the lock table is gone").isFalse();
        assertThat(run.console()).containsPattern("MOLT-EVENT boot-restored uptime=\\S+ snapshot=u-hook-1-0 pid=" + pid)
                .contains("MOLT-EVENT boot-restore-done");
        // The lock is lifted by CRIU's post-restore action, before CRIU's resume takes the sockets
        // out of repair mode (whose ACK must reach the peer), so before the hook sees the tree run.
        assertThat(run.console()).containsPattern("(?s)MOLT-EVENT lock-lifted uptime=\\S+ table=inet-" + table
                + " at=criu-post-restore.*MOLT-EVENT boot-restored");
        assertThat(plan.argv()).contains("--tcp-established");
    }

    @Test
    void aSnapshotThatFailsItsChecksumsIsNotGivenToCriuAndTheLockStays() throws Exception {
        parkDumpAndPlan("u-hook-2", workload.pids());
        Path images = Path.of(Files.readAllLines(guard.marker()).stream()
                .filter(l -> l.startsWith("W0_IMAGES=")).findFirst().orElseThrow().substring("W0_IMAGES=".length()));
        Files.write(images.resolve("pstree.img"), new byte[] {0, 1, 2});

        HookRun run = runHook();

        assertThat(run.exit()).as(run.output()).isZero();
        BootGuard.BootRestoreResult result = guard.bootRestoreResult("u-hook-2", bootId()).orElseThrow();
        assertThat(result.allOk()).isFalse();
        assertThat(result.workloads().getFirst().status()).isEqualTo("failed");
        assertThat(result.workloads().getFirst().detail()).startsWith("checksums:").contains("pstree.img");
        assertThat(workload.running()).as("nothing restored").isFalse();
        assertThat(nftHasTable()).as("peers stay locked out for moltd to restore or roll back").isTrue();
        assertThat(result.millis()).doesNotContainKey("UNPARKED_MS");
    }

    @Test
    void aResultOfAnotherBootIsNotThisBoots() throws Exception {
        Files.createDirectories(guard.resultFile().getParent());
        Files.writeString(guard.resultFile(), "BOOT_ID=someone-else\nUPGRADE=u-x\nWORKLOADS=1\nW0_STATUS=ok\nW0_PID=1\n");

        assertThat(guard.bootRestoreResult("u-x", bootId())).isEmpty();
        assertThat(guard.bootRestoreResult("u-x", "someone-else")).get()
                .satisfies(r -> assertThat(r.allOk()).isTrue());
    }

    /** Molt's park (its own lock), a spooled dump that ends the tree (as the switch would), the boot plan, the marker. */
    private BootGuard.BootRestore parkDumpAndPlan(String upgradeId, List<Long> pids) throws Exception {
        var sockets = TcpSockets.heldBy(pids);
        assertThat(sockets).as("the workload's listening and connected sockets").isNotEmpty();
        lock.lock(table, sockets);
        String snapshot = upgradeId + "-0";
        List<DumpProgress> progress = new ArrayList<>();
        adapter.dump(DumpRequest.newBuilder()
                .setPid((int) workload.rootPid())
                .setSnapshotId(snapshot)
                .setSpool(true)
                .setTcp(TcpMode.TCP_MODE_ESTABLISHED)
                .setExternalNetworkLock(true)
                .build()).forEachRemaining(progress::add);
        assertThat(progress.getLast().getPhase()).isEqualTo("spooled");
        Poll.until(Duration.ofSeconds(30), "the dumped tree to end", () -> !workload.running());
        BootRestorePlan p = adapter.planBootRestore(PlanBootRestoreRequest.newBuilder().setSnapshotId(snapshot).build());
        BootGuard.BootRestore restore = new BootGuard.BootRestore(snapshot, p.getArgvList(), p.getImagesDir(),
                p.getChecksumsFile(), p.getPidfile(), p.getLogFile(), "");
        guard.arm(upgradeId, table, pids, sockets, List.of(restore));
        return restore;
    }

    private record HookRun(int exit, String output, String console) {}

    private HookRun runHook() throws Exception {
        Path console = dir.resolve("console.log");
        ProcessBuilder pb = new ProcessBuilder(Tools.repoRoot().resolve("bin/molt-boot-guard").toString(), "restore", guard.marker().toString())
                .redirectErrorStream(true);
        pb.environment().putAll(Map.of("MOLT_EVENT_CONSOLE", console.toString()));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        return new HookRun(p.exitValue(), out, Files.exists(console) ? Files.readString(console) : "");
    }

    private boolean nftHasTable() throws Exception {
        Process p = new ProcessBuilder("nft", "list", "table", "inet", table).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor() == 0;
    }

    private static String bootId() throws Exception {
        return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
    }
}
